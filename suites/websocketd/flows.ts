import { randomUUID } from 'node:crypto';
import type { CaseContext } from '../../src/case.ts';
import { WazoControl, serviceUrl, tokenCheckBound, type BusEvent, type IssuedToken } from '../../src/target/wazo-control.ts';
import { FlowError } from '../../src/transport/stomp-session.ts';
import type { CloseRecord } from '../../src/transport/transcript.ts';
import { RecordingWebSocket, type WsMessage } from '../../src/transport/ws-client.ts';

const controls = new WeakMap<CaseContext, WazoControl>();

/**
 * wazo-auth and the bus, for this case: one transcript of all its exchanges, secrets redacted. Every token it issues
 * is revoked when the case ends, whatever the verdict (its cleanup runs after the case's connections are closed).
 */
export function control(c: CaseContext): WazoControl {
  let ctl = controls.get(c);
  if (!ctl) {
    const created = new WazoControl(c.target.websocketd, c.http('wazo-auth and bus', c.target.websocketd.insecure));
    controls.set(c, (ctl = created));
    c.onCleanup(() => created.end());
  }
  return ctl;
}

/**
 * W-5: the longest the service may take to close with 4003 after a change of the token `changeAtS` seconds into a
 * connection opened with a token of `lifetimeS`, per the target's declared token check; recorded in the report.
 */
export function checkBound(c: CaseContext, lifetimeS: number, changeAtS: number, what = '4003 bound', offsetMs = 0): number {
  const t = c.target.websocketd;
  const b = tokenCheckBound(t.tokenCheck, lifetimeS, changeAtS, t.timeouts.closeMs);
  const ms = offsetMs + b.ms;
  c.measure(what, `${ms} ms${offsetMs ? ` after the open (the expiry at ${offsetMs} ms, then ${b.ms} ms)` : ''} (${b.text})`);
  return ms;
}

/** A WebSocket to the service with the given token (none: no token parameter at all). */
export async function open(c: CaseContext, token: string | undefined, opts: { label?: string; version2?: boolean } = {}): Promise<RecordingWebSocket> {
  const ws = await RecordingWebSocket.open(serviceUrl(c.target.websocketd, token, opts.version2), { insecure: c.target.websocketd.insecure, redact: token ? [token] : [] }, opts.label ?? 'websocketd');
  c.transcripts.push(ws.transcript);
  c.onCleanup(() => ws.close());
  return ws;
}

export function parse(m: WsMessage | undefined): Record<string, unknown> | undefined {
  if (!m) return undefined;
  try {
    return JSON.parse(m.data.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The next message, parsed; undefined when none came (or the connection closed). */
export async function next(c: CaseContext, ws: RecordingWebSocket, ms = c.target.websocketd.timeouts.responseMs): Promise<{ raw: WsMessage; json: Record<string, unknown> | undefined } | undefined> {
  try {
    const raw = await ws.next(ms);
    return raw ? { raw, json: parse(raw) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Expects the next message to be the reply `op` (documented shape or v2 shape); fails the case otherwise.
 * `tolerant` (for flows): bus events arriving first are passed over, noted; W-8 judges them.
 */
export async function expectReply(c: CaseContext, ws: RecordingWebSocket, op: string, tolerant = false): Promise<Record<string, unknown>> {
  let m = await next(c, ws);
  while (tolerant && m?.json && m.json.op === undefined && typeof m.json.name === 'string') {
    ws.transcript.note(`bus event before the ${op} reply, passed over here (judged by the W-8 cases)`);
    m = await next(c, ws);
  }
  if (!m?.json) c.fail(`the "${op}" reply`, m ? `not JSON: ${m.raw.data.toString().slice(0, 100)}` : describeEnd(ws, c.target.websocketd.timeouts.responseMs));
  c.check(m.json.op === op && m.json.code === 0, `{"op": "${op}", "code": 0, …}`, JSON.stringify(m.json));
  return m.json;
}

export function describeEnd(ws: RecordingWebSocket, waited: number): string {
  const close = ws.transcript.close;
  return close ? `the connection was closed with code ${close.code}${close.reason ? ` "${close.reason}"` : ''} by the ${close.by}` : `nothing within ${waited} ms`;
}

export interface Started {
  ws: RecordingWebSocket;
  token: IssuedToken;
}

/** Token for `role`, connect, init, subscribe to each name (replies awaited), start (reply awaited). */
export async function started(c: CaseContext, role: string, events: string[], opts: { label?: string; version2?: boolean } = {}): Promise<Started> {
  const token = await control(c).token(role);
  const ws = await open(c, token.token, { label: opts.label ?? role, version2: opts.version2 });
  await expectReply(c, ws, 'init', true);
  for (const event_name of events) {
    ws.send(JSON.stringify({ op: 'subscribe', data: { event_name } }));
    await expectReply(c, ws, 'subscribe', true);
  }
  ws.send(JSON.stringify({ op: 'start' }));
  await expectReply(c, ws, 'start', true);
  return { ws, token };
}

/** The close, judged on its own axis: code, by the server; `clean` and reason recorded. */
export async function expectClose(c: CaseContext, ws: RecordingWebSocket, code: number, cause: string, withinMs = c.target.websocketd.timeouts.responseMs): Promise<CloseRecord> {
  const closed = await ws.waitClosed(withinMs);
  if (closed) c.measure('close', `code ${closed.code} reason ${JSON.stringify(closed.reason)} by ${closed.by}, clean=${closed.clean}, after ${closed.at.toFixed(0)} ms`);
  c.check(!!closed, `the server closes with ${code} (${cause})`, `still open after ${withinMs} ms`);
  c.check(closed!.code === code, `close code ${code} (${cause})`, `close code ${closed!.code}${closed!.reason ? ` "${closed!.reason}"` : ''}`);
  c.check(closed!.by === 'server', 'closed by the server', `closed by the ${closed!.by}`);
  return closed!;
}

/** A unique event name, so that concurrent cases never see each other's events. */
export function eventName(c: CaseContext, what = 'event'): string {
  return `rtc_${c.meta.id.replace(/\W/g, '_')}_${what}_${randomUUID().slice(0, 8)}`;
}

/** An event body; the control adds the routing (origin_uuid, and the headers a Wazo binds on) when it publishes. */
export function event(name: string, requiredAcl: string | null | undefined, data: unknown = { marker: randomUUID() }): BusEvent {
  const e: BusEvent = { name, data };
  if (requiredAcl !== undefined) e.required_acl = requiredAcl;
  return e;
}

/**
 * Publishes `events` then a sentinel every listener may receive (required_acl null), and returns what `ws` got before
 * the sentinel: bus order makes the sentinel a synchronisation point for events that must NOT arrive.
 */
export async function deliveredBefore(c: CaseContext, ws: RecordingWebSocket, events: BusEvent[], sentinelName: string): Promise<Array<Record<string, unknown>>> {
  const ctl = control(c);
  for (const e of events) await ctl.publish(e);
  const sentinel = event(sentinelName, null, { sentinel: randomUUID() });
  await ctl.publish(sentinel);
  const got: Array<Record<string, unknown>> = [];
  const deadline = Date.now() + c.target.websocketd.timeouts.responseMs * 2;
  while (Date.now() < deadline) {
    const m = await next(c, ws, deadline - Date.now());
    if (!m) break;
    const body = unwrap(m.json);
    if ((body?.data as { sentinel?: string } | undefined)?.sentinel === (sentinel.data as { sentinel: string }).sentinel) return got;
    if (body) got.push(body);
  }
  // The harness's own synchronisation point did not come back: nothing can be judged (a routing the harness got
  // wrong, a bus it cannot reach), so the case is broken, not failed.
  throw new FlowError(`the harness's sentinel event ${sentinelName} (required_acl null) never arrived: ${describeEnd(ws, c.target.websocketd.timeouts.responseMs * 2)}; check websocketd.uuid, the users' tenant and the bus exchange`);
}

/** A v2 event envelope's body, or the message itself. */
export function unwrap(json: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return json?.op === 'event' && json.data && typeof json.data === 'object' ? (json.data as Record<string, unknown>) : json;
}
