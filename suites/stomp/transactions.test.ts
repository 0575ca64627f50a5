import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { bodyText, header } from '../../src/stomp/index.ts';
import type { ReceivedFrame, StompSession } from '../../src/transport/stomp-session.ts';
import { connected, expectErrorThenClose, quiet, showHeaders } from './flows.ts';
import { ackOf, drain, leave, list, queue, receipted, receive, sendAll, sendForAnswer, subscribeAck } from './queue-flows.ts';

/**
 * S-15 transactions. Every absence (nothing before COMMIT, nothing after ABORT or an implicit abort) is asserted only
 * after a sentinel SENT later on the same path has arrived.
 */

const BEGIN =
  'BEGIN is used to start a transaction. Transactions in this case apply to sending and acknowledging - any messages sent or acknowledged during a transaction will be processed ' +
  'atomically based on the transaction. (BEGIN)';
const IMPLICIT_ABORT =
  'Any started transactions which have not been committed will be implicitly aborted if the client sends a DISCONNECT frame or if the TCP connection fails for any reason. (BEGIN)';
const REFUSED =
  'CONTRACTS S-15: COMMIT/ABORT of an unknown transaction, or BEGIN of one already begun, → ERROR then close. The spec: the transaction header is REQUIRED and MUST specify the ' +
  'identifier of the transaction to commit/abort (COMMIT, ABORT); transaction identifiers MUST be unique per connection (BEGIN); the server MAY send ERROR frames if something goes ' +
  'wrong, in which case it MUST then close the connection just after sending the ERROR frame (ERROR).';

/** Sends a sentinel on `destination` (no transaction) and returns every MESSAGE of `sub` up to it, plus a quiet window. */
async function untilSentinel(c: CaseContext, consumer: StompSession, sub: string, producer: StompSession, destination: string): Promise<ReceivedFrame[]> {
  const sentinel = `sentinel-${Math.random().toString(36).slice(2, 8)}`;
  await sendAll(c, producer, destination, [sentinel]);
  const seen: ReceivedFrame[] = [];
  for (;;) {
    const m = await consumer.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === sub);
    c.check(!!m, `the sentinel SENT outside the transaction (${sentinel}) arrives`, consumer.describeSilence(c.target.stomp.timeouts.responseMs));
    if (bodyText(m!) === sentinel) break;
    seen.push(m!);
  }
  seen.push(...(await quiet(consumer, c.target.stomp.timeouts.quietMs * 2, 'MESSAGE')).filter((f) => header(f, 'subscription') === sub));
  return seen;
}

/**
 * A session subscribed to a fresh destination, and a producer session that has begun `tx` and sent `body` in it.
 * The transactional SEND asks for no receipt (a server may hold it until COMMIT, as RabbitMQ does): a sentinel SENT
 * after it outside the transaction proves it was processed (frames are processed in order). `early`: what the
 * consumer got before that sentinel.
 */
async function transactionalSend(c: CaseContext, tx: string, body: string) {
  const destination = c.destination();
  const consumer = await connected(c, 'consumer');
  await subscribeAck(c, consumer, destination, 'sub-0');
  const producer = await connected(c, 'producer');
  await receipted(c, producer, { command: 'BEGIN', headers: { transaction: tx } }, `BEGIN ${tx}`);
  producer.send({ command: 'SEND', headers: { destination, transaction: tx, 'content-type': 'text/plain' }, body });
  const early = await untilSentinel(c, consumer, 'sub-0', producer, destination);
  return { destination, consumer, producer, early };
}

const bodies = (frames: ReceivedFrame[]) => list(frames.map(bodyText));

/** A transaction id of this case alone (S-15.12 tests a shared one on purpose). */
// `rtc-tx-<random>`: observations mask the random part (src/report/observations.ts stableText).
const txId = () => `rtc-tx-${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;


/**
 * A consumer (client-individual) ACKs the first of two messages inside a transaction that it then ends with `end`,
 * and leaves: what the next consumer gets back. The unacknowledged control message must come back, or the ACK's fate
 * cannot be observed (the case is skipped: S-14.4 records redelivery).
 */
async function ackInTransaction(c: CaseContext, end: 'ABORT' | 'COMMIT'): Promise<string[]> {
  const destination = queue(c);
  const s = await connected(c, 'consumer (ack:client-individual)');
  await subscribeAck(c, s, destination, 'sub-0', 'client-individual');
  await sendAll(c, s, destination, ['acked in tx', 'control']);
  const [m] = await receive(c, s, 'sub-0', 2);
  const tx = txId();
  await receipted(c, s, { command: 'BEGIN', headers: { transaction: tx } }, `BEGIN ${tx}`);
  await receipted(c, s, { command: 'ACK', headers: { id: ackOf(c, m, 'skip'), transaction: tx } }, `ACK in ${tx}`);
  await receipted(c, s, { command: end, headers: { transaction: tx } }, `${end} ${tx}`);
  await leave(c, s);
  const { bodies: back } = await drain(c, destination);
  c.measure('redelivered to the next consumer', list(back));
  if (!back.includes('control')) c.skip(`the server did not redeliver the unacknowledged control message (S-14.4 records redelivery), so the ${end === 'ABORT' ? 'aborted' : 'committed'} ACK cannot be observed`);
  return back;
}

describe.concurrent('S-15 transactions', () => {
  conformanceCase(
    {
      id: 'S-15.1',
      title: 'a SEND in a transaction is delivered on COMMIT, not before',
      expected: 'nothing before COMMIT (a later SEND outside the transaction arrives alone), the message after COMMIT',
      requirement: `${BEGIN} SEND supports a transaction header which allows for transactional sends. (SEND)`,
      sentences: ['BEGIN.atomic', 'SEND.transaction', 'COMMIT.commit'],
    },
    async (c) => {
      const tx = txId();
      const { consumer, producer, early } = await transactionalSend(c, tx, 'in the transaction');
      c.check(early.length === 0, 'no MESSAGE of the transaction before COMMIT', `before COMMIT: ${bodies(early)}`);
      await receipted(c, producer, { command: 'COMMIT', headers: { transaction: tx } }, `COMMIT ${tx}`);
      const m = await consumer.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE');
      c.check(m !== undefined && bodyText(m) === 'in the transaction', 'the transaction\'s message after COMMIT', m ? showHeaders(m) : consumer.describeSilence(c.target.stomp.timeouts.responseMs));
    },
  );

  conformanceCase(
    {
      id: 'S-15.2',
      title: 'ABORT discards the SENDs of the transaction',
      expected: 'after ABORT a later SEND outside the transaction arrives, the aborted one never',
      requirement: `ABORT is used to roll back a transaction in progress. (ABORT) ${BEGIN}`,
      sentences: ['ABORT.rollback', 'BEGIN.atomic'],
    },
    async (c) => {
      const tx = txId();
      const { destination, consumer, producer, early } = await transactionalSend(c, tx, 'aborted');
      await receipted(c, producer, { command: 'ABORT', headers: { transaction: tx } }, `ABORT ${tx}`);
      const seen = [...early, ...(await untilSentinel(c, consumer, 'sub-0', producer, destination))];
      c.check(seen.length === 0, 'nothing of the aborted transaction', `delivered: ${bodies(seen)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-15.3',
      title: 'an ACK in an aborted transaction does not acknowledge',
      expected: 'a message ACKed in a transaction that is then aborted is still unacknowledged: it comes back to the next consumer',
      requirement: `${BEGIN} Optionally, a transaction header MAY be specified, indicating that the message acknowledgment SHOULD be part of the named transaction. (ACK)`,
      sentences: ['BEGIN.atomic', 'ACK.transaction', 'ABORT.rollback'],
    },
    async (c) => {
      const back = await ackInTransaction(c, 'ABORT');
      c.check(back.includes('acked in tx'), 'the message ACKed only in the aborted transaction is redelivered', `redelivered: ${list(back)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-15.4',
      title: 'an ACK in a committed transaction acknowledges',
      expected: 'a message ACKed in a committed transaction is not redelivered, while an unacknowledged one is',
      requirement: `${BEGIN} COMMIT is used to commit a transaction in progress. (COMMIT)`,
      sentences: ['BEGIN.atomic', 'ACK.transaction', 'COMMIT.commit'],
    },
    async (c) => {
      const back = await ackInTransaction(c, 'COMMIT');
      c.check(!back.includes('acked in tx'), 'the message ACKed in the committed transaction is consumed', `redelivered: ${list(back)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-15.5',
      title: 'DISCONNECT aborts a transaction that was not committed',
      expected: 'the transaction\'s SEND never arrives after the producer DISCONNECTs; a later SEND does',
      requirement: IMPLICIT_ABORT,
      sentences: ['BEGIN.implicit-abort'],
    },
    async (c) => {
      const { destination, consumer, producer, early } = await transactionalSend(c, txId(), 'left open');
      await leave(c, producer);
      const seen = [...early, ...(await untilSentinel(c, consumer, 'sub-0', consumer, destination))];
      c.check(seen.length === 0, 'nothing of the transaction left open at DISCONNECT', `delivered: ${bodies(seen)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-15.6',
      title: 'a lost connection aborts a transaction that was not committed',
      expected: 'the transaction\'s SEND never arrives after the producer\'s TCP connection drops; a later SEND does',
      requirement: IMPLICIT_ABORT,
      sentences: ['BEGIN.implicit-abort'],
    },
    async (c) => {
      const { destination, consumer, producer, early } = await transactionalSend(c, txId(), 'left open');
      producer.ws.terminate();
      await producer.waitClosed(c.target.stomp.timeouts.closeMs);
      const seen = [...early, ...(await untilSentinel(c, consumer, 'sub-0', consumer, destination))];
      c.check(seen.length === 0, 'nothing of the transaction left open when the connection dropped', `delivered: ${bodies(seen)}`);
    },
  );

  for (const [id, command, title] of [
    ['S-15.7', 'COMMIT', 'COMMIT of a transaction never begun is refused'],
    ['S-15.8', 'ABORT', 'ABORT of a transaction never begun is refused'],
  ] as const) {
    conformanceCase(
      { id, title, expected: 'ERROR, then the server closes', requirement: REFUSED, sentences: [`${command}.transaction-required`, 'ERROR.close'] },
      async (c) => {
        const s = await connected(c);
        s.send({ command, headers: { transaction: 'rtc-never-begun', receipt: 'refused' } });
        await expectErrorThenClose(c, s, `${command} of a transaction never begun`);
      },
    );
  }

  conformanceCase(
    {
      id: 'S-15.9',
      title: 'BEGIN of a transaction already begun is refused',
      expected: 'the first BEGIN gets its RECEIPT, the second ERROR, then the server closes',
      requirement: REFUSED,
      sentences: ['BEGIN.unique', 'ERROR.close'],
    },
    async (c) => {
      const s = await connected(c);
      const tx = txId();
      await receipted(c, s, { command: 'BEGIN', headers: { transaction: tx } }, `the first BEGIN ${tx}`);
      s.send({ command: 'BEGIN', headers: { transaction: tx, receipt: 'again' } });
      await expectErrorThenClose(c, s, `a second BEGIN of ${tx}`);
    },
  );

  conformanceCase(
    {
      id: 'S-15.10',
      title: 'BEGIN without a transaction header is refused',
      expected: 'ERROR, then the server closes',
      requirement: 'The transaction header is REQUIRED, and the transaction identifier will be used for SEND, COMMIT, ABORT, ACK, and NACK frames to bind them to the named transaction. (BEGIN) ' +
        'The server MAY send ERROR frames if something goes wrong. In this case, it MUST then close the connection just after sending the ERROR frame. (ERROR)',
      sentences: ['BEGIN.transaction-required', 'ERROR.close'],
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('BEGIN\nreceipt:no-transaction\n\n\0');
      await expectErrorThenClose(c, s, 'BEGIN without transaction');
    },
  );

  conformanceCase(
    {
      id: 'S-15.11',
      title: 'a SEND naming a transaction never begun is refused',
      expected: 'ERROR, then the server closes (and the message is not delivered)',
      requirement: 'If the sever cannot successfully process the SEND frame for any reason, the server MUST send the client an ERROR frame and then close the connection. (SEND)',
      sentences: ['SEND.error'],
    },
    async (c) => {
      const s = await connected(c);
      s.send({ command: 'SEND', headers: { destination: c.destination(), transaction: 'rtc-never-begun', receipt: 'refused' }, body: 'x' });
      await expectErrorThenClose(c, s, 'SEND in a transaction never begun');
    },
  );

  conformanceCase(
    {
      id: 'S-15.12',
      title: 'transaction ids are scoped to the connection',
      expected: 'two sessions BEGIN the same id; one ABORTs it; the other\'s COMMIT still delivers its message',
      requirement: 'Transaction identifiers MUST be unique per connection. (BEGIN) CONTRACTS S-15: transaction ids are scoped to the session.',
      sentences: ['BEGIN.unique'],
    },
    async (c) => {
      // The same id in both sessions, and no other case uses it at the same time.
      const shared = `shared-${txId()}`;
      const { consumer, producer } = await transactionalSend(c, shared, 'committed by its own session');
      const other = await connected(c, 'other session');
      const begun = await sendForAnswer(c, other, { command: 'BEGIN', headers: { transaction: shared } });
      c.check(begun?.command === 'RECEIPT', 'another session may BEGIN the same id (RECEIPT)', begun ? showHeaders(begun) : other.describeSilence(c.target.stomp.timeouts.responseMs));
      await receipted(c, other, { command: 'ABORT', headers: { transaction: shared } }, `ABORT ${shared} on the other session`);
      await receipted(c, producer, { command: 'COMMIT', headers: { transaction: shared } }, `COMMIT ${shared}`);
      const m = await consumer.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE');
      c.check(
        m !== undefined && bodyText(m) === 'committed by its own session',
        'the message of the producer\'s own transaction after its COMMIT',
        m ? showHeaders(m) : consumer.describeSilence(c.target.stomp.timeouts.responseMs),
      );
    },
  );
});
