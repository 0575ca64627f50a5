import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { FlowError } from '../../src/transport/stomp-session.ts';
import { header } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, expectMessage, proveServed, quiet, showHeaders, silence, subscribe, subscribed } from './flows.ts';
import { SPEC } from './spec.ts';

const ISOLATION = 'rtc-conformance contract S-13 (STOMP 1.2 defines sessions, not their isolation): a session\'s frames never reach another session, and one client\'s protocol error does not disturb other sessions.';

describe.concurrent('S-13 session isolation', () => {
  conformanceCase(
    {
      id: 'S-13.1',
      requirement: ISOLATION,
      title: 'messages reach only the sessions subscribed to their destination',
      expected: 'B, subscribed elsewhere, receives nothing of what A sends to its own destination',
    },
    async (c) => {
      const a = await subscribed(c, 'A', 'sub-0');
      const b = await subscribed(c, 'B', 'sub-0');
      a.s.send({ command: 'SEND', headers: { destination: a.destination }, body: 'for A only' });
      await expectMessage(c, a.s, 'sub-0', "A's own message");
      const leaked = await quiet(b.s, c.target.stomp.timeouts.quietMs, 'MESSAGE');
      c.check(leaked.length === 0, 'nothing on B', `B received ${showHeaders(leaked[0])}`);
      await proveServed(c, b.s, 'B');
    },
  );

  conformanceCase(
    {
      id: 'S-13.2',
      requirement: `${ISOLATION} ${SPEC.receipt}`,
      title: "a RECEIPT goes only to the session that asked for it",
      expected: "B never sees A's RECEIPT",
    },
    async (c) => {
      const a = await connected(c, 'A');
      const b = await connected(c, 'B');
      const { responseMs, quietMs } = c.target.stomp.timeouts;
      a.send({ command: 'SEND', headers: { destination: c.destination(), receipt: 'mine' }, body: 'x' });
      const own = await a.nextFrame(responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'mine');
      if (!own) throw new FlowError(`A got no RECEIPT for its own SEND (${silence(a, responseMs)}): there is no receipt whose absence on B could be judged`);
      const stray = await quiet(b, quietMs, 'RECEIPT');
      c.check(stray.length === 0, 'no RECEIPT on B', showHeaders(stray[0]));
      await proveServed(c, b, 'B');
    },
  );

  conformanceCase(
    {
      id: 'S-13.3',
      requirement: ISOLATION,
      title: "one session's protocol error does not disturb another session",
      expected: 'A gets ERROR and is closed; B, connected meanwhile, still completes a round trip',
    },
    async (c) => {
      const b = await subscribed(c, 'B (bystander)');
      const a = await connected(c, 'A (offender)');
      a.sendRaw('SEND\nx-bad:\\q\n\n\0');
      await expectErrorThenClose(c, a, 'an undefined escape on A').catch(() => undefined);
      b.s.send({ command: 'SEND', headers: { destination: b.destination }, body: 'still here' });
      await expectMessage(c, b.s, b.id, 'B after A broke the protocol');
      c.check(b.s.isOpen, 'B still connected', 'B was closed');
    },
  );

  conformanceCase(
    {
      id: 'S-13.4',
      requirement: ISOLATION,
      title: 'a client dropping its TCP connection mid-frame does not disturb others',
      expected: 'A vanishes halfway through a frame; B still completes a round trip',
    },
    async (c) => {
      const b = await subscribed(c, 'B (bystander)');
      const a = await connected(c, 'A (vanishes)');
      a.sendRaw(`SEND\ndestination:${b.destination}\ncontent-length:1000\n\nhalf a fr`);
      a.ws.terminate();
      await b.s.ws.wait(50);
      b.s.send({ command: 'SEND', headers: { destination: b.destination }, body: 'after the drop' });
      const m = await expectMessage(c, b.s, b.id, 'B after A dropped');
      c.check(m.body.toString() === 'after the drop', 'body "after the drop"', JSON.stringify(m.body.toString()));
    },
  );

  conformanceCase(
    {
      id: 'S-13.5',
      requirement: `${ISOLATION} ${SPEC.messageId}`,
      title: 'same subscription ids in two sessions stay separate',
      expected: "A and B both use id sub-0 on different destinations; each gets only its own MESSAGEs",
    },
    async (c) => {
      const a = await subscribed(c, 'A', 'sub-0');
      const b = await subscribed(c, 'B', 'sub-0');
      a.s.send({ command: 'SEND', headers: { destination: a.destination }, body: 'A' });
      b.s.send({ command: 'SEND', headers: { destination: b.destination }, body: 'B' });
      const ma = await expectMessage(c, a.s, 'sub-0', "A's message");
      const mb = await expectMessage(c, b.s, 'sub-0', "B's message");
      c.check(ma.body.toString() === 'A' && mb.body.toString() === 'B', 'A gets "A", B gets "B"', `A got "${ma.body}", B got "${mb.body}"`);
      const extra = [...(await quiet(a.s, c.target.stomp.timeouts.quietMs, 'MESSAGE')), ...(await quiet(b.s, 10, 'MESSAGE'))];
      c.check(extra.length === 0, 'no further MESSAGE', showHeaders(extra[0]));
    },
  );

  conformanceCase(
    {
      id: 'S-13.6',
      requirement: `${ISOLATION} ${SPEC.messageId}`,
      title: 'a session subscribed to the same destination as another gets its own copy with its own subscription id',
      expected: 'A (id a-sub) and B (id b-sub) on one destination each receive the message under their own id',
    },
    async (c) => {
      const a = await connected(c, 'A');
      const b = await connected(c, 'B');
      const d = c.destination('shared');
      await subscribe(c, a, d, 'a-sub');
      await subscribe(c, b, d, 'b-sub');
      a.send({ command: 'SEND', headers: { destination: d }, body: 'fan-out' });
      const ma = await expectMessage(c, a, 'a-sub', 'copy for A');
      const mb = await expectMessage(c, b, 'b-sub', 'copy for B');
      c.check(header(ma, 'subscription') === 'a-sub' && header(mb, 'subscription') === 'b-sub', 'subscription a-sub on A, b-sub on B',
        `${header(ma, 'subscription')} on A, ${header(mb, 'subscription')} on B`);
    },
  );
});
