import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { bodyText, header } from '../../src/stomp/index.ts';
import { connected, showHeaders } from './flows.ts';
import { ackOf, drain, leave, list, queue, receipted, receive, sendAll, sendForAnswer, subscribeAck } from './queue-flows.ts';

/**
 * S-14 acknowledgement. What the spec leaves to the server (whether an unacknowledged message is redelivered, what a
 * NACKed message becomes) is recorded by INFO cases; the MUST cases that need a redelivery to observe an
 * acknowledgement first prove that the server redelivers (an unacknowledged message of the same subscription comes
 * back) and are skipped, with the reason, when it does not.
 */

const ACK_HEADER = 'If the message is received from a subscription that requires explicit acknowledgment (either client or client-individual mode) then the MESSAGE frame MUST also contain an ack header with an arbitrary value. (MESSAGE)';

/** A consumer of a fresh queue in `mode` that has received `bodies` (in order) and acknowledged none of them. */
async function consumer(c: CaseContext, mode: string, bodies: string[]) {
  const destination = queue(c);
  const s = await connected(c, `consumer (ack:${mode})`);
  await subscribeAck(c, s, destination, 'sub-0', mode);
  await sendAll(c, s, destination, bodies);
  const messages = await receive(c, s, 'sub-0', bodies.length);
  c.measure('received', messages.map(bodyText).join(', '));
  return { s, destination, messages };
}

/** `frame` (ACK or NACK) for `message`, confirmed by RECEIPT. */
async function settle(c: CaseContext, s: Awaited<ReturnType<typeof consumer>>['s'], command: 'ACK' | 'NACK', m: Awaited<ReturnType<typeof receive>>[number]) {
  await receipted(c, s, { command, headers: { id: ackOf(c, m, 'fail') } }, `${command} of ${bodyText(m)}`);
}

/** After the consumer left: what a new consumer gets; `control` (never acknowledged) must be among it, or no judgement. */
async function redelivered(c: CaseContext, destination: string, control: string): Promise<string[]> {
  const { bodies } = await drain(c, destination);
  c.measure('redelivered to the next consumer', list(bodies));
  if (!bodies.includes(control)) {
    c.skip(`the server did not redeliver the unacknowledged message "${control}" to the next consumer (the spec says it MAY; S-14.4 records it), so what was acknowledged cannot be observed`);
  }
  return bodies;
}

describe.concurrent('S-14 acknowledgement', () => {
  conformanceCase(
    {
      id: 'S-14.1',
      title: 'MESSAGEs of an ack:client subscription carry an ack header',
      expected: 'two MESSAGEs on a queue subscribed with ack:client, each with a non-empty ack header',
      requirement: ACK_HEADER,
      sentences: ['MESSAGE.ack-header'],
    },
    async (c) => {
      const { messages } = await consumer(c, 'client', ['one', 'two']);
      for (const m of messages) c.check(!!header(m, 'ack'), 'an ack header on every MESSAGE', showHeaders(m));
    },
  );

  conformanceCase(
    {
      id: 'S-14.2',
      title: 'MESSAGEs of an ack:client-individual subscription carry an ack header',
      expected: 'two MESSAGEs on a queue subscribed with ack:client-individual, each with a non-empty ack header',
      requirement: ACK_HEADER,
      sentences: ['MESSAGE.ack-header'],
    },
    async (c) => {
      const { messages } = await consumer(c, 'client-individual', ['one', 'two']);
      for (const m of messages) c.check(!!header(m, 'ack'), 'an ack header on every MESSAGE', showHeaders(m));
    },
  );

  conformanceCase(
    {
      id: 'S-14.3',
      title: 'without an ack header the subscription is ack:auto: a delivered message is consumed without ACK',
      expected: 'a message delivered to a subscription without ack header, never ACKed, does not come to the next consumer (whose sentinel does)',
      requirement:
        'If the header is not set, it defaults to auto. When the ack mode is auto, then the client does not need to send the server ACK frames for the messages it receives. ' +
        'The server will assume the client has received the message as soon as it sends it to the client. (SUBSCRIBE ack Header)',
      sentences: ['SUBSCRIBE.ack-default-auto', 'SUBSCRIBE.ack-auto'],
    },
    async (c) => {
      const destination = queue(c);
      const s = await connected(c, 'consumer (no ack header)');
      await subscribeAck(c, s, destination, 'sub-0');
      await sendAll(c, s, destination, ['delivered once']);
      await receive(c, s, 'sub-0', 1);
      await leave(c, s);
      const { bodies } = await drain(c, destination);
      c.measure('the next consumer got', list(bodies));
      c.check(!bodies.includes('delivered once'), 'the delivered message is consumed: only the sentinel reaches the next consumer', `redelivered: ${list(bodies)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.4',
      title: 'an unacknowledged message after the consumer\'s connection is lost (recorded)',
      expected: 'what the server does with a message of an ack:client subscription whose connection drops before the ACK',
      level: 'INFO',
      requirement:
        'If the connection fails before a client sends an ACK frame for the message the server will assume the message has not been processed and MAY redeliver the message to another client. (SUBSCRIBE ack Header)',
      sentences: ['SUBSCRIBE.ack-client-redeliver'],
    },
    async (c) => {
      const { s, destination } = await consumer(c, 'client', ['unacked']);
      s.ws.terminate();
      await s.waitClosed(c.target.stomp.timeouts.closeMs);
      const { bodies, frames } = await drain(c, destination);
      const again = frames.find((f) => bodyText(f) === 'unacked');
      c.measure('redelivered to the next consumer', again ? 'yes' : 'no');
      if (again) c.measure('redelivered MESSAGE', showHeaders(again));
      c.observe(again ? `the unacknowledged message was redelivered to the next consumer (${showHeaders(again)})` : `not redelivered: the next consumer got ${list(bodies)} besides its sentinel`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.5',
      title: 'an ACK in client mode is cumulative',
      expected: 'of three messages, an ACK of the second acknowledges the first too: after DISCONNECT only the third comes back',
      requirement:
        'The ACK frames sent by the client will be treated as a cumulative acknowledgment. This means the acknowledgment operates on the message specified in the ACK frame ' +
        'and all messages sent to the subscription before the ACK\'ed message. (SUBSCRIBE ack Header)',
      sentences: ['SUBSCRIBE.ack-client-cumulative'],
    },
    async (c) => {
      const { s, destination, messages } = await consumer(c, 'client', ['m1', 'm2', 'm3']);
      await settle(c, s, 'ACK', messages[1]);
      await leave(c, s);
      const bodies = await redelivered(c, destination, 'm3');
      c.check(!bodies.includes('m1') && !bodies.includes('m2'), 'm1 and m2 acknowledged by the ACK of m2; only m3 redelivered', `redelivered: ${list(bodies)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.6',
      title: 'an ACK in client-individual mode acknowledges that message only',
      expected: 'of three messages, an ACK of the second leaves the first and the third unacknowledged: both come back, the second does not',
      requirement:
        'When the ack mode is client-individual, the acknowledgment operates just like the client acknowledgment mode except that the ACK or NACK frames sent by the client are not cumulative. ' +
        'This means that an ACK or NACK frame for a subsequent message MUST NOT cause a previous message to get acknowledged. (SUBSCRIBE ack Header)',
      sentences: ['SUBSCRIBE.ack-individual-not-cumulative', 'ACK.consumed'],
    },
    async (c) => {
      const { s, destination, messages } = await consumer(c, 'client-individual', ['m1', 'm2', 'm3']);
      await settle(c, s, 'ACK', messages[1]);
      await leave(c, s);
      const bodies = await redelivered(c, destination, 'm3');
      c.check(bodies.includes('m1'), 'm1 still unacknowledged (redelivered): the ACK of m2 is not cumulative', `redelivered: ${list(bodies)}`);
      c.check(!bodies.includes('m2'), 'm2, acknowledged, is not redelivered', `redelivered: ${list(bodies)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.7',
      title: 'a NACK in client-individual mode concerns that message only',
      expected: 'of three messages, a NACK of the second leaves the first unacknowledged: it comes back with the third',
      requirement:
        'This means that an ACK or NACK frame for a subsequent message MUST NOT cause a previous message to get acknowledged. (SUBSCRIBE ack Header) ' +
        'NACK applies either to one single message (if the subscription\'s ack mode is client-individual) or to all messages sent before and not yet ACK\'ed or NACK\'ed (if the subscription\'s ack mode is client). (NACK)',
      sentences: ['SUBSCRIBE.ack-individual-not-cumulative', 'NACK.scope'],
    },
    async (c) => {
      const { s, destination, messages } = await consumer(c, 'client-individual', ['m1', 'm2', 'm3']);
      await settle(c, s, 'NACK', messages[1]);
      await leave(c, s);
      const bodies = await redelivered(c, destination, 'm3');
      c.check(bodies.includes('m1'), 'm1 still unacknowledged (redelivered): the NACK of m2 concerns m2 only', `redelivered: ${list(bodies)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.8',
      title: 'what a NACKed message becomes (recorded)',
      expected: 'whether a NACKed message is redelivered (to the same subscription or the next consumer), or discarded / dead-lettered',
      level: 'INFO',
      requirement:
        'NACK is the opposite of ACK. It is used to tell the server that the client did not consume the message. The server can then either send the message to a different client, ' +
        'discard it, or put it in a dead letter queue. The exact behavior is server specific. (NACK)',
      sentences: ['NACK.server-specific'],
    },
    async (c) => {
      const { s, destination, messages } = await consumer(c, 'client-individual', ['nacked']);
      await settle(c, s, 'NACK', messages[0]);
      const same = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' && bodyText(f) === 'nacked');
      c.measure('redelivered on the same subscription', same ? `yes, ${same.at - messages[0].at} ms after the first delivery` : 'no');
      // Acknowledge a redelivery on the spot, so that the next consumer shows only what the NACK itself caused.
      if (same && header(same, 'ack')) await receipted(c, s, { command: 'ACK', headers: { id: header(same, 'ack')! } }, 'ACK of the redelivery');
      await leave(c, s);
      const { bodies } = await drain(c, destination);
      c.measure('the next consumer got', list(bodies));
      const fate = same ? 'redelivered to the same subscription' : bodies.includes('nacked') ? 'redelivered to the next consumer' : 'not redelivered (discarded or dead-lettered)';
      c.measure('fate', fate);
      c.observe(`a NACKed message is ${fate}`);
    },
  );

  conformanceCase(
    {
      id: 'S-14.9',
      title: 'an ACK naming no message is refused with ERROR',
      expected: 'ERROR (not RECEIPT) for an ACK whose id was never an ack header',
      level: 'SHOULD',
      requirement:
        'The ACK frame MUST include an id header matching the ack header of the MESSAGE being acknowledged. (ACK) The server MAY send ERROR frames if something goes wrong. (ERROR) ' +
        'CONTRACTS S-14: ACK/NACK of an unknown id → ERROR (SHOULD).',
      sentences: ['ACK.id-matches'],
    },
    async (c) => {
      const s = await connected(c);
      const destination = queue(c);
      await subscribeAck(c, s, destination, 'sub-0', 'client-individual');
      const answer = await sendForAnswer(c, s, { command: 'ACK', headers: { id: 'rtc-no-such-message' } });
      c.measure('answer', answer ? showHeaders(answer) : s.describeSilence(c.target.stomp.timeouts.responseMs));
      const closed = answer?.command === 'ERROR' ? await s.waitClosed(c.target.stomp.timeouts.closeMs) : undefined;
      if (answer?.command === 'ERROR') c.measure('closed after the ERROR', closed ? `yes, code ${closed.code}` : 'no');
      c.check(answer?.command === 'ERROR', 'ERROR: the id names no message', answer ? showHeaders(answer) : s.describeSilence(c.target.stomp.timeouts.responseMs));
    },
  );
});
