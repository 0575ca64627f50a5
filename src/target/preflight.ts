import { header } from '../stomp/index.ts';
import { RecordingWebSocket } from '../transport/ws-client.ts';
import { STOMP_SUBPROTOCOLS, StompSession, type StompEndpoint } from '../transport/stomp-session.ts';
import { TargetError, type TargetFile } from './target.ts';
import { preflightWebsocketd } from './websocketd-preflight.ts';

/**
 * The pre-flight of a real target, one check per protocol it names, before any case runs: a target that is not what
 * the user said (down, another protocol, a TLS certificate we refuse) is a target error (exit 2) naming the part and
 * the reason, not a run of broken cases. Returns warnings worth printing (e.g. no subprotocol echoed).
 */
export async function preflight(spec: TargetFile): Promise<string[]> {
  const warnings: string[] = [];
  const checks: Array<Promise<void>> = [];
  if (spec.stomp) checks.push(preflightStomp('STOMP', spec.stomp, warnings));
  if (spec.oam) {
    checks.push(preflightStomp('OAM', spec.oam, warnings));
    checks.push(preflightHttp('OAM REST', spec.oam.restUrl, spec.oam.insecure));
  }
  if (spec.hooks?.backend) checks.push(preflightHttp('hook backend', spec.hooks.backend.url, spec.hooks.backend.insecure));
  for (const wcs of spec.hooks?.client?.wcs ?? []) {
    checks.push(
      openWs(wcs.url, wcs.insecure, [])
        .then((ws) => ws.close())
        .then(() => undefined, (err) => Promise.reject(new TargetError(`cannot reach the WCS client API: ${explain(err)}`))),
    );
  }
  if (spec.websocketd) checks.push(preflightWebsocketd(spec.websocketd));
  await Promise.all(checks);
  return warnings;
}

async function openWs(url: string, insecure: boolean | undefined, protocols: string[]): Promise<RecordingWebSocket> {
  return RecordingWebSocket.open(url, { protocols, insecure, timeoutMs: 5000 });
}

/** The reason of a failed open, with the hint a user needs (a self-signed certificate: --insecure). */
function explain(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  if (/self[- ]signed|certificate|CERT_|unable to verify|UNABLE_TO_GET_ISSUER/i.test(message)) {
    return `${message} (a self-signed or private certificate: pass --insecure, or "insecure": true in the target file)`;
  }
  return message;
}

/**
 * A STOMP endpoint must answer a CONNECT with CONNECTED or ERROR. The STOMP subprotocols are offered; a server that
 * names none (as many do behind a proxy) is opened without them, and the sessions of the run do the same.
 */
async function preflightStomp(what: string, endpoint: StompEndpoint, warnings: string[]): Promise<void> {
  let session: StompSession;
  try {
    session = await StompSession.open(endpoint, `pre-flight ${what}`, { timeoutMs: 5000 });
  } catch (err) {
    if (!/no subprotocol/i.test((err as Error).message)) throw new TargetError(`cannot reach the ${what} target: ${explain(err)}`);
    try {
      session = await StompSession.open(endpoint, `pre-flight ${what}`, { timeoutMs: 5000, protocols: [] });
    } catch (again) {
      throw new TargetError(`cannot reach the ${what} target: ${explain(again)}`);
    }
    endpoint.protocols = [];
    warnings.push(`the ${what} target names no WebSocket subprotocol (offered ${STOMP_SUBPROTOCOLS.join(', ')}): sessions open without one (S-12 records it)`);
  }
  try {
    const answer = await session.connect({}, { timeoutMs: 5000 });
    if (answer?.command === 'ERROR') {
      warnings.push(`the ${what} target answered CONNECT with ERROR "${header(answer, 'message') ?? ''}": check --login, --passcode and --host`);
      return;
    }
    if (answer?.command === 'CONNECTED') return;
    const close = await session.waitClosed(200);
    const received = session.transcript.received();
    if (close) {
      const looks = close.code >= 4001 && close.code <= 4004 ? ': this looks like a Wazo websocketd, not STOMP' : '';
      throw new TargetError(`the ${what} target is not a STOMP server: CONNECT was answered by a close with ${close.code}${close.reason ? ` "${close.reason}"` : ''}${looks}`);
    }
    if (received.length) {
      const text = received.subarray(0, 80).toString('utf8').replace(/[\r\n\0]+/g, ' ');
      throw new TargetError(`the ${what} target is not a STOMP server: CONNECT was answered by "${text}"${received.length > 80 ? '…' : ''}, not CONNECTED or ERROR`);
    }
    throw new TargetError(`the ${what} target is not a STOMP server: no answer to CONNECT within 5000 ms`);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** An HTTP endpoint must answer HTTP (any status: the cases judge the status). */
async function preflightHttp(what: string, url: string, insecure: boolean | undefined): Promise<void> {
  try {
    // undici only when an HTTP endpoint is checked (it costs a run that names none 20 MB).
    const { Agent, request } = await import('undici');
    const res = await request(url, { method: 'GET', headersTimeout: 5000, bodyTimeout: 5000, dispatcher: new Agent({ connect: { rejectUnauthorized: !insecure, timeout: 5000 } }) });
    await res.body.dump();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TargetError(`cannot reach the ${what} ${url}: ${code && !/certificate/i.test(String(err)) ? code : explain(err)}`);
  }
}
