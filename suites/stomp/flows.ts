import type { CaseContext } from '../../src/case.ts';
import { bodyText, header, type FrameInput, type ParsedFrame } from '../../src/stomp/index.ts';
import { FlowError, type ReceivedFrame, type StompSession } from '../../src/transport/stomp-session.ts';
import { isTcpStompUrl } from '../../src/transport/stomp-transport.ts';
import { showBytes } from '../../src/transport/transcript.ts';

/**
 * Flows shared by the STOMP cases. Flows tolerate deviations that other cases report: a flow step that does not
 * work makes the case broken (FlowError), never failed, unless it is the step the case asserts.
 */

/** Opens a session and completes CONNECT. */
export async function connected(c: CaseContext, label?: string, extra: Record<string, string> = {}): Promise<StompSession> {
  const s = await c.stomp(label);
  await s.connectOrThrow(extra, c.target.stomp.timeouts.responseMs);
  return s;
}

/** A connected session subscribed to a fresh destination (a receipt confirms the subscription when the server sends one). */
export async function subscribed(c: CaseContext, label?: string, id = 'sub-0'): Promise<{ s: StompSession; destination: string; id: string }> {
  const s = await connected(c, label);
  const destination = c.destination();
  await subscribe(c, s, destination, id);
  return { s, destination, id };
}

export async function subscribe(c: CaseContext, s: StompSession, destination: string, id: string): Promise<void> {
  const receipt = `subscribed-${id}`;
  s.subscribe(destination, id, { receipt });
  const got = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === receipt);
  if (!got) s.transcript.note(`no RECEIPT for SUBSCRIBE (judged by the S-8 cases); going on`);
}

/**
 * Why nothing came: the connection closed (code, side), or the server went silent (and since when). Every Actual of a
 * missing frame says which, so that a dead server is never mistaken for a passing one.
 */
export function silence(s: StompSession, waitedMs?: number): string {
  const close = s.transcript.close;
  if (close) return `nothing; the connection was closed with code ${close.code}${close.reason ? ` "${close.reason}"` : ''} by the ${close.by}`;
  const last = s.frames.at(-1);
  return `nothing${waitedMs === undefined ? '' : ` within ${waitedMs} ms`}: the server went silent (last frame: ${last ? `${last.command} at ${last.at} ms` : 'none'})`;
}

/** Cases that need a frame split over messages, or several frames in one message, are S-12's: skipped under frame-per-message. */
export function needsStreamFraming(c: CaseContext, what: string): void {
  if (c.target.stomp.framing === 'frame-per-message') {
    c.skip(`the target declares stomp.framing "frame-per-message" (each WebSocket message is exactly one frame): ${what} is not asked of it`);
  }
}

/** Nothing beyond the declared WebSocket message limit is sent unless the case is about that limit (S-11.5). */
export function fitsMessage(c: CaseContext, octets: number, what: string): void {
  const max = c.target.stomp.limits.maxMessageBytes;
  if (max !== undefined && octets > max) {
    c.skip(`${what} takes ${octets} octets, more than the declared WebSocket message limit (stomp.limits.maxMessageBytes ${max}): the transport would refuse it before STOMP sees it`);
  }
}

/** An INFO case's record of what it saw: a measurement and a one-line observation. */
export function observe(c: CaseContext, name: string, value: string | number, line: string): void {
  c.measure(name, value);
  c.observe(line);
  c.note(`${c.meta.id}: ${line}`);
}

/**
 * Proves that a session is still served before an absence on it is judged: a frame with a receipt must be answered.
 * A server that went silent makes the case broken (its absence proves nothing), never passed.
 */
export async function proveServed(c: CaseContext, s: StompSession, what: string): Promise<void> {
  const receipt = `alive-${Math.random().toString(36).slice(2, 8)}`;
  const { responseMs } = c.target.stomp.timeouts;
  s.send({ command: 'SUBSCRIBE', headers: { id: receipt, destination: c.destination('probe'), receipt } });
  const r = await s.nextFrame(responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === receipt);
  if (!r) throw new FlowError(`${what}: no RECEIPT for a SUBSCRIBE sent to prove the session is served (${silence(s, responseMs)}); the absence cannot be judged`);
  s.send({ command: 'UNSUBSCRIBE', headers: { id: receipt } });
}

/**
 * The ERROR a case needs to judge (its headers, its body): a server that closes without one leaves nothing to judge
 * (skipped, the refusal itself is judged elsewhere); a server that goes silent makes the case broken.
 */
export async function errorToJudge(c: CaseContext, s: StompSession, judgedBy: string): Promise<ReceivedFrame> {
  const { responseMs } = c.target.stomp.timeouts;
  const error = await s.nextFrame(responseMs, (f) => f.command === 'ERROR');
  if (error) return error;
  if (!s.isOpen) return c.skip(`no ERROR (${silence(s)}): nothing to judge here; the refusal is judged by ${judgedBy}`);
  throw new FlowError(`no ERROR to judge: ${silence(s, responseMs)}`);
}

/** Waits for the next MESSAGE of a subscription; fails the case when none comes. */
export async function expectMessage(c: CaseContext, s: StompSession, subscription: string, what: string): Promise<ReceivedFrame> {
  const { responseMs } = c.target.stomp.timeouts;
  const m = await s.nextFrame(responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === subscription);
  if (m) return m;
  const error = s.pending().find((f) => f.command === 'ERROR');
  c.fail(
    `a MESSAGE for subscription ${subscription} (${what})`,
    error ? `ERROR: ${header(error, 'message') ?? bodyText(error)}` : silence(s, responseMs),
  );
}

/** Subscribes, sends `frame` (destination filled in) and returns the MESSAGE it produced. */
export async function roundTrip(
  c: CaseContext,
  frame: Omit<FrameInput, 'command'> & { command?: string },
  options: { raw?: (destination: string) => string | Uint8Array; binary?: boolean } = {},
): Promise<{ s: StompSession; message: ReceivedFrame; destination: string }> {
  const { s, destination, id } = await subscribed(c);
  if (options.raw) s.sendRaw(options.raw(destination), options.binary);
  else {
    const headers = Array.isArray(frame.headers) ? frame.headers : Object.entries(frame.headers ?? {});
    s.send({ command: frame.command ?? 'SEND', headers: [['destination', destination], ...headers], body: frame.body });
  }
  const message = await expectMessage(c, s, id, 'the message just sent');
  return { s, message, destination };
}

export interface ErrorThenClose {
  error?: ReceivedFrame;
  closeCode?: number;
}

/** The S-9 rule, judged on its own axis: ERROR, then the server closes the connection, within the deadlines. */
export async function expectErrorThenClose(c: CaseContext, s: StompSession, cause: string, received?: ReceivedFrame): Promise<ErrorThenClose> {
  const { responseMs, closeMs } = c.target.stomp.timeouts;
  const error = received ?? (await s.nextFrame(responseMs, (f) => f.command === 'ERROR'));
  const closed = await s.waitClosed(error ? closeMs : 10);
  const expected = `ERROR, then the server closes the connection (after ${cause})`;
  // The server's reaction: from the last frame sent before the ERROR (the connection's set-up is the harness's time).
  const provoked = error && s.transcript.entries.filter((e) => e.dir === 'out' && e.at <= error.at).at(-1);
  if (error) c.measure('ERROR after (ms)', provoked ? Math.round((error.at - provoked.at) * 10) / 10 : error.at);
  if (closed) c.measure('close', `code ${closed.code} by ${closed.by}, clean=${closed.clean}, at ${closed.at} ms`);
  if (!error && !closed) c.fail(expected, `no ERROR within ${responseMs} ms and the connection is still open: the server went silent (a silent hang)`);
  if (!error && closed?.code === 1009) {
    c.fail(expected, `a transport-level refusal: the WebSocket was closed with 1009 (message too big) by the ${closed.by}, before STOMP could answer with ERROR`);
  }
  if (!error && closed) {
    c.fail(expected, `no ERROR frame; the connection was closed with code ${closed.code}${closed.reason ? ` "${closed.reason}"` : ''} by the ${closed.by}`);
  }
  if (error && !closed) c.fail(expected, `ERROR (message: ${header(error!, 'message') ?? '-'}) but the connection is still open ${closeMs} ms later`);
  if (closed!.by !== 'server') c.fail(expected, `the connection ended on the client's side (code ${closed!.code})`);
  return { error, closeCode: closed!.code };
}

/**
 * For a frame the spec lets the server refuse (MAY send ERROR) or ignore: an ERROR must be followed by the close
 * (MUST), a close alone is a refusal, and a server that sends neither must go on serving the session (proven by
 * `served`, e.g. a RECEIPT); a server that goes silent fails.
 */
export async function expectRefusedOrIgnored(c: CaseContext, s: StompSession, cause: string, served: () => Promise<boolean>): Promise<void> {
  const { responseMs, closeMs } = c.target.stomp.timeouts;
  const error = await s.nextFrame(responseMs, (f) => f.command === 'ERROR');
  if (error) {
    await expectErrorThenClose(c, s, cause, error);
    return;
  }
  const closed = await s.waitClosed(10);
  if (closed) {
    c.measure('close', `code ${closed.code} by ${closed.by}, clean=${closed.clean}, at ${closed.at} ms`);
    c.check(closed.by === 'server', `the server closes (after ${cause})`, `the connection ended on the client's side (code ${closed.code})`);
    c.note(`${c.meta.id}: refused by a close without ERROR (code ${closed.code})`);
    return;
  }
  const ok = await served();
  c.measure('answer', ok ? 'ignored (the session goes on)' : 'none');
  c.check(ok, `ERROR then close, or the frame ignored and the session still served (after ${cause})`,
    `no ERROR, no close, and no answer to the next frame: ${silence(s, responseMs + closeMs)}`);
  c.note(`${c.meta.id}: the frame was ignored; the session goes on`);
}

/** Lets `ms` pass whatever arrives meanwhile (a session's `ws.wait` returns at the first message). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Watches a session for `ms`: returns the frames (of the given command) that arrived. */
export async function quiet(s: StompSession, ms: number, command?: string): Promise<ReceivedFrame[]> {
  const seen: ReceivedFrame[] = [];
  const until = Date.now() + ms;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return seen;
    const f = await s.nextFrame(left, (x) => !command || x.command === command);
    if (f) seen.push(f);
    else if (!s.isOpen) return seen;
  }
}

/** Headers of a frame as one line, for Actual: messages; when there is no frame, why (given the session). */
export function showHeaders(f: ReceivedFrame | undefined, s?: StompSession): string {
  if (!f) return s ? silence(s) : 'no frame';
  return `${f.command} ${f.headers.map(([n, v]) => `${n}:${showBytes(Buffer.from(v))}`).join(' ')}`;
}

/**
 * The content-length rule (MUST) for one received frame: it equals the body octets, and a NUL follows. `required`
 * (the default, as O-4 has it for OAM responses and STOMP for bodies with NULs): absence fails; otherwise absence leaves
 * nothing to count (skipped: presence is a SHOULD of STOMP 1.2, judged by S-4.7 and S-4.9).
 */
export function checkContentLength(c: CaseContext, f: ParsedFrame, what: string, required = true): void {
  const declared = header(f, 'content-length');
  c.measure(`${what}: content-length`, declared ?? '(absent)');
  c.measure(`${what}: body octets`, f.body.length);
  const broke = f.violations.find((v) => v.rule === 'missing-nul' || v.rule === 'bad-content-length');
  if (declared === undefined) {
    if (required) c.fail(`${what} carries content-length:${f.body.length}`, 'no content-length header');
    return c.skip(`${what} carries no content-length: nothing to count (its presence is a SHOULD, judged by S-4.7 and S-4.9)`);
  }
  c.check(
    !broke && declared === String(f.body.length),
    `content-length:${f.body.length} (octets of the body, NUL excluded)`,
    broke ? `content-length:${declared}, then ${broke.message}` : `content-length:${declared}`,
  );
}

/** The SHOULD of the spec: a SEND, MESSAGE or ERROR frame with a body includes a content-length. */
export function checkContentLengthPresent(c: CaseContext, f: ParsedFrame, what: string): void {
  const declared = header(f, 'content-length');
  c.measure(`${what}: content-length`, declared ?? '(absent)');
  c.measure(`${what}: body octets`, f.body.length);
  c.check(declared !== undefined, `${what} with a ${f.body.length}-octet body carries a content-length`, 'no content-length header');
}

/** S-12 judges WebSocket messages and subprotocols: over raw TCP (stomp://) there are none, so the case is skipped. */
export function webSocketOnly(c: CaseContext): void {
  if (isTcpStompUrl(c.target.stomp.url)) c.skip(`STOMP over TCP (${c.target.stomp.url}): no WebSocket messages or subprotocols to judge; S-12 applies to STOMP over WebSocket only`);
}
