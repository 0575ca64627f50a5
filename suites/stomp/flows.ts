import type { CaseContext } from '../../src/case.ts';
import { bodyText, header, type FrameInput, type ParsedFrame } from '../../src/stomp/index.ts';
import type { ReceivedFrame, StompSession } from '../../src/transport/stomp-session.ts';
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

/** Waits for the next MESSAGE of a subscription; fails the case when none comes. */
export async function expectMessage(c: CaseContext, s: StompSession, subscription: string, what: string): Promise<ReceivedFrame> {
  const { responseMs } = c.target.stomp.timeouts;
  const m = await s.nextFrame(responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === subscription);
  if (m) return m;
  const error = s.pending().find((f) => f.command === 'ERROR');
  c.fail(
    `a MESSAGE for subscription ${subscription} (${what})`,
    error ? `ERROR: ${header(error, 'message') ?? bodyText(error)}` : `nothing within ${responseMs} ms${s.isOpen ? '' : '; the connection closed'}`,
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
export async function expectErrorThenClose(c: CaseContext, s: StompSession, cause: string): Promise<ErrorThenClose> {
  const { responseMs, closeMs } = c.target.stomp.timeouts;
  const error = await s.nextFrame(responseMs, (f) => f.command === 'ERROR');
  const closed = await s.waitClosed(error ? closeMs : 10);
  const expected = `ERROR, then the server closes the connection (after ${cause})`;
  // The server's reaction: from the last frame sent before the ERROR (the connection's set-up is the harness's time).
  const provoked = error && s.transcript.entries.filter((e) => e.dir === 'out' && e.at <= error.at).at(-1);
  if (error) c.measure('ERROR after (ms)', provoked ? Math.round((error.at - provoked.at) * 10) / 10 : error.at);
  if (closed) c.measure('close', `code ${closed.code} by ${closed.by}, clean=${closed.clean}, at ${closed.at} ms`);
  if (!error && !closed) c.fail(expected, `no ERROR within ${responseMs} ms and the connection is still open (a silent hang)`);
  if (!error && closed) {
    c.fail(expected, `no ERROR frame; the connection was closed with code ${closed.code}${closed.reason ? ` "${closed.reason}"` : ''} by the ${closed.by}`);
  }
  if (error && !closed) c.fail(expected, `ERROR (message: ${header(error!, 'message') ?? '-'}) but the connection is still open ${closeMs} ms later`);
  if (closed!.by !== 'server') c.fail(expected, `the connection ended on the client's side (code ${closed!.code})`);
  return { error, closeCode: closed!.code };
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
  if (!f) return s ? s.describeSilence(0).replace(' within 0 ms', '') : 'no frame';
  return `${f.command} ${f.headers.map(([n, v]) => `${n}:${showBytes(Buffer.from(v))}`).join(' ')}`;
}

/** The content-length rule for one received frame: present, and equal to the body octets. */
export function checkContentLength(c: CaseContext, f: ParsedFrame, what: string): void {
  const declared = header(f, 'content-length');
  c.measure(`${what}: content-length`, declared ?? '(absent)');
  c.measure(`${what}: body octets`, f.body.length);
  const broke = f.violations.find((v) => v.rule === 'missing-nul' || v.rule === 'bad-content-length');
  c.check(declared !== undefined, `${what} carries content-length:${f.body.length}`, 'no content-length header');
  c.check(
    !broke && declared === String(f.body.length),
    `content-length:${f.body.length} (octets of the body, NUL excluded)`,
    broke ? `content-length:${declared}, then ${broke.message}` : `content-length:${declared}`,
  );
}
