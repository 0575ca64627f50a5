import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, expectMessage, quiet, roundTrip, showHeaders, silence, subscribe } from './flows.ts';
import { SPEC } from './spec.ts';

describe.concurrent('S-7 SUBSCRIBE and MESSAGE', () => {
  conformanceCase(
    { id: 'S-7.1', requirement: `${SPEC.subscribeId} ${SPEC.subscribeRefused}`, title: 'SUBSCRIBE without id is refused', expected: 'ERROR, then the server closes' },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SUBSCRIBE\ndestination:${c.destination()}\n\n\0`);
      await expectErrorThenClose(c, s, 'SUBSCRIBE without id');
    },
  );

  conformanceCase(
    { id: 'S-7.2', requirement: SPEC.subscribeRefused, title: 'SUBSCRIBE without destination is refused', expected: 'ERROR, then the server closes' },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('SUBSCRIBE\nid:no-destination\n\n\0');
      await expectErrorThenClose(c, s, 'SUBSCRIBE without destination');
    },
  );

  conformanceCase(
    { id: 'S-7.3', level: 'SHOULD', requirement: SPEC.messageDestination, title: 'MESSAGE carries the destination', expected: 'destination equal to the subscribed destination' },
    async (c) => {
      const { message, destination } = await roundTrip(c, { body: 'x' });
      c.check(header(message, 'destination') === destination, `destination:${destination}`, showHeaders(message));
    },
  );

  conformanceCase(
    { id: 'S-7.4', requirement: SPEC.messageId, title: 'MESSAGE carries a message-id', expected: 'a non-empty message-id header' },
    async (c) => {
      const { message } = await roundTrip(c, { body: 'x' });
      const id = header(message, 'message-id');
      c.check(!!id, 'a non-empty message-id', showHeaders(message));
    },
  );

  conformanceCase(
    {
      id: 'S-7.5',
      requirement: SPEC.messageId,
      title: 'message-ids are unique within the session',
      expected: '20 messages on two subscriptions carry 20 distinct message-ids',
    },
    async (c) => {
      const s = await connected(c);
      const [d1, d2] = [c.destination('one'), c.destination('two')];
      await subscribe(c, s, d1, 'one');
      await subscribe(c, s, d2, 'two');
      for (let i = 0; i < 10; i++) {
        s.send({ command: 'SEND', headers: { destination: d1 }, body: `one-${i}` });
        s.send({ command: 'SEND', headers: { destination: d2 }, body: `two-${i}` });
      }
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        for (const sub of ['one', 'two']) ids.push(header(await expectMessage(c, s, sub, `message ${i}`), 'message-id') ?? '');
      }
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      c.measure('distinct message-ids', new Set(ids).size);
      c.check(dupes.length === 0, '20 distinct message-ids', `repeated: ${[...new Set(dupes)].join(', ')}`);
    },
  );

  conformanceCase(
    {
      id: 'S-7.6',
      requirement: SPEC.messageId,
      title: 'MESSAGE subscription equals the SUBSCRIBE id',
      expected: 'two subscriptions with different ids get MESSAGEs carrying their own id',
    },
    async (c) => {
      const s = await connected(c);
      const [d1, d2] = [c.destination('alpha'), c.destination('beta')];
      await subscribe(c, s, d1, 'alpha-id');
      await subscribe(c, s, d2, 'beta-id');
      s.send({ command: 'SEND', headers: { destination: d2 }, body: 'to beta' });
      const m = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE');
      c.check(!!m, 'a MESSAGE', () => silence(s, c.target.stomp.timeouts.responseMs));
      c.check(header(m, 'subscription') === 'beta-id', 'subscription:beta-id', showHeaders(m));
    },
  );

  conformanceCase(
    {
      id: 'S-7.7',
      requirement: SPEC.unsubscribe,
      title: 'after UNSUBSCRIBE no more MESSAGEs arrive for that id',
      expected: 'a subscription that received a MESSAGE gets none after UNSUBSCRIBE, while a second subscription of the session still gets the next one',
    },
    async (c) => {
      const s = await connected(c);
      const d = c.destination();
      await subscribe(c, s, d, 'gone');
      // The path works first: the subscription to be removed does receive.
      s.send({ command: 'SEND', headers: { destination: d }, body: 'before UNSUBSCRIBE' });
      await expectMessage(c, s, 'gone', 'the message sent before UNSUBSCRIBE (the path works)');
      await subscribe(c, s, d, 'stays');
      s.send({ command: 'UNSUBSCRIBE', headers: { id: 'gone', receipt: 'unsubscribed' } });
      await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'unsubscribed');
      s.send({ command: 'SEND', headers: { destination: d }, body: 'after UNSUBSCRIBE' });
      // The sentinel: the same message reaches the subscription that stays, so it was sent and delivered.
      await expectMessage(c, s, 'stays', 'the message sent after UNSUBSCRIBE, on the subscription that stays (sentinel)');
      const late = [...s.pending().filter((f) => f.command === 'MESSAGE' && header(f, 'subscription') === 'gone'),
        ...(await quiet(s, c.target.stomp.timeouts.quietMs, 'MESSAGE')).filter((f) => header(f, 'subscription') === 'gone')];
      c.check(late.length === 0, 'no MESSAGE for subscription gone', showHeaders(late[0]));
    },
  );
});
