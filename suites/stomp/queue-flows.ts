import type { CaseContext } from '../../src/case.ts';
import { bodyText, header, type FrameInput } from '../../src/stomp/index.ts';
import { FlowError, type ReceivedFrame, type StompSession } from '../../src/transport/stomp-session.ts';
import { connected, expectMessage, quiet, silence } from './flows.ts';

/**
 * Flows of the acknowledgement (S-14) and transaction (S-15) cases: queue destinations, frames confirmed by a
 * receipt, and a drain that proves its own path (a sentinel sent after the subscription must arrive) before anything
 * is said about what did not come back.
 */

/** A queue nobody else uses (the target's `queuePrefix`, default /queue/). */
export function queue(c: CaseContext, name = 'q'): string {
  const topic = c.destination(name);
  return `${c.target.stomp.queuePrefix ?? '/queue/'}${topic.slice(c.target.stomp.destinationPrefix.length)}`;
}

let receiptCounter = 0;

/**
 * Sends a frame with a receipt header and waits for its RECEIPT. An ERROR (or nothing) instead is a failure of the
 * step: `FlowError` unless `what` is the step the case asserts (then the caller judges `answer`).
 */
export async function receipted(c: CaseContext, s: StompSession, frame: FrameInput, what: string): Promise<ReceivedFrame> {
  const answer = await sendForAnswer(c, s, frame);
  if (answer?.command === 'RECEIPT') return answer;
  throw new FlowError(`${what}: ${answer ? `ERROR ${header(answer, 'message') ?? ''}`.trim() : silence(s, c.target.stomp.timeouts.responseMs)}`);
}

/** Sends a frame with a receipt header; returns the RECEIPT or ERROR that answered it (undefined: nothing). */
export async function sendForAnswer(c: CaseContext, s: StompSession, frame: FrameInput): Promise<ReceivedFrame | undefined> {
  const receipt = `r-${++receiptCounter}`;
  const headers = Array.isArray(frame.headers) ? frame.headers : Object.entries(frame.headers ?? {});
  s.send({ ...frame, headers: [...headers, ['receipt', receipt]] });
  return s.nextFrame(
    c.target.stomp.timeouts.responseMs,
    (f) => (f.command === 'RECEIPT' && header(f, 'receipt-id') === receipt) || f.command === 'ERROR',
  );
}

/** SUBSCRIBE with an ack mode (none: the header is left out), confirmed by RECEIPT. */
export async function subscribeAck(c: CaseContext, s: StompSession, destination: string, id: string, ack?: string): Promise<void> {
  await receipted(c, s, { command: 'SUBSCRIBE', headers: { id, destination, ...(ack ? { ack } : {}) } }, `SUBSCRIBE ${destination}${ack ? ` ack:${ack}` : ''}`);
}

/** SENDs each body to `destination` (the last one confirmed by RECEIPT: receipts come in order). */
export async function sendAll(c: CaseContext, s: StompSession, destination: string, bodies: string[], extra: Record<string, string> = {}): Promise<void> {
  bodies.forEach((body, i) => {
    if (i < bodies.length - 1) s.send({ command: 'SEND', headers: { destination, 'content-type': 'text/plain', ...extra }, body });
  });
  await receipted(c, s, { command: 'SEND', headers: { destination, 'content-type': 'text/plain', ...extra }, body: bodies.at(-1) }, `SEND to ${destination}`);
}

/** The next `n` MESSAGEs of a subscription (the case fails when they do not come). */
export async function receive(c: CaseContext, s: StompSession, sub: string, n: number): Promise<ReceivedFrame[]> {
  const got: ReceivedFrame[] = [];
  for (let i = 0; i < n; i++) got.push(await expectMessage(c, s, sub, `message ${i + 1} of ${n}`));
  return got;
}

/**
 * The `ack` header of a MESSAGE. Missing it is the S-14 violation: `fail` in the S-14 cases; in other cases the
 * acknowledgement cannot be named, so the case is skipped (S-14.1/S-14.2 judge it).
 */
export function ackOf(c: CaseContext, m: ReceivedFrame, missing: 'fail' | 'skip'): string {
  const ack = header(m, 'ack');
  if (ack) return ack;
  const why = `MESSAGE ${header(m, 'message-id') ?? ''} of an acknowledging subscription carries no ack header`;
  if (missing === 'skip') c.skip(`${why}: no ACK can name it (S-14.1 and S-14.2 judge the header)`);
  c.fail('an ack header naming the message for ACK/NACK', why);
}

/** Ends a consumer session with DISCONNECT (receipt asked for, not required: S-8 judges it) and waits for the close. */
export async function leave(c: CaseContext, s: StompSession): Promise<void> {
  s.send({ command: 'DISCONNECT', headers: { receipt: 'leaving' } });
  await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'leaving');
  await s.close();
}

export interface Drained {
  /** Bodies of the messages that came before the sentinel (and in the quiet window after it), in arrival order. */
  bodies: string[];
  frames: ReceivedFrame[];
}

/**
 * A new consumer (ack:auto) on `destination`; a sentinel SENT after its subscription must arrive (the path works),
 * and every message of the queue that was waiting for a consumer comes before it. Returns what came besides it.
 */
export async function drain(c: CaseContext, destination: string, label = 'next consumer'): Promise<Drained> {
  const s = await connected(c, label);
  await subscribeAck(c, s, destination, 'drain');
  const sentinel = `sentinel-${Math.random().toString(36).slice(2, 8)}`;
  s.send({ command: 'SEND', headers: { destination, 'content-type': 'text/plain' }, body: sentinel });
  const frames: ReceivedFrame[] = [];
  const { responseMs, quietMs } = c.target.stomp.timeouts;
  for (;;) {
    const m = await s.nextFrame(responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === 'drain');
    if (!m) throw new FlowError(`the sentinel SENT to ${destination} after subscribing never arrived (${silence(s, responseMs)})`);
    if (bodyText(m) === sentinel) break;
    frames.push(m);
  }
  frames.push(...(await quiet(s, quietMs, 'MESSAGE')).filter((f) => header(f, 'subscription') === 'drain'));
  await leave(c, s);
  return { bodies: frames.map(bodyText), frames };
}

/** Bodies as a readable list for Actual lines. */
export function list(bodies: string[]): string {
  return bodies.length ? bodies.join(', ') : 'nothing';
}
