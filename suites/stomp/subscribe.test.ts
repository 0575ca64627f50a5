import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, expectMessage, quiet, roundTrip, showHeaders, subscribe } from './flows.ts';

describe('S-7 SUBSCRIBE and MESSAGE', () => {
  conformanceCase(
    { id: 'S-7.1', title: 'SUBSCRIBE without id is refused', expected: 'ERROR, then the server closes' },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SUBSCRIBE\ndestination:${c.destination()}\n\n\0`);
      await expectErrorThenClose(c, s, 'SUBSCRIBE without id');
    },
  );

  conformanceCase(
    { id: 'S-7.2', title: 'SUBSCRIBE without destination is refused', expected: 'ERROR, then the server closes' },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('SUBSCRIBE\nid:no-destination\n\n\0');
      await expectErrorThenClose(c, s, 'SUBSCRIBE without destination');
    },
  );

  conformanceCase(
    { id: 'S-7.3', title: 'MESSAGE carries the destination', expected: 'destination equal to the subscribed destination' },
    async (c) => {
      const { message, destination } = await roundTrip(c, { body: 'x' });
      c.check(header(message, 'destination') === destination, `destination:${destination}`, showHeaders(message));
    },
  );

  conformanceCase(
    { id: 'S-7.4', title: 'MESSAGE carries a message-id', expected: 'a non-empty message-id header' },
    async (c) => {
      const { message } = await roundTrip(c, { body: 'x' });
      const id = header(message, 'message-id');
      c.check(!!id, 'a non-empty message-id', showHeaders(message));
    },
  );

  conformanceCase(
    {
      id: 'S-7.5',
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
      c.check(!!m, 'a MESSAGE', 'none');
      c.check(header(m, 'subscription') === 'beta-id', 'subscription:beta-id', showHeaders(m));
    },
  );

  conformanceCase(
    { id: 'S-7.7', title: 'after UNSUBSCRIBE no more MESSAGEs arrive for that id', expected: 'no MESSAGE after UNSUBSCRIBE (acknowledged by RECEIPT)' },
    async (c) => {
      const s = await connected(c);
      const d = c.destination();
      await subscribe(c, s, d, 'gone');
      s.send({ command: 'UNSUBSCRIBE', headers: { id: 'gone', receipt: 'unsubscribed' } });
      await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'unsubscribed');
      s.send({ command: 'SEND', headers: { destination: d }, body: 'nobody listens' });
      const late = await quiet(s, c.target.stomp.timeouts.quietMs * 2, 'MESSAGE');
      c.check(late.length === 0, 'no MESSAGE', showHeaders(late[0]));
    },
  );
});
