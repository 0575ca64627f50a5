import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { FlowError } from '../../src/transport/stomp-session.ts';
import { control, deliveredBefore, describeEnd, event, eventName, expectReply, next, open, started, unwrap } from './flows.ts';

describe.concurrent('W-8 events only after start, unchanged', () => {
  conformanceCase(
    { id: 'W-8.1', title: 'nothing from the bus is forwarded before start', expected: 'an event published after subscribe but before start never arrives' },
    async (c) => {
      const name = eventName(c);
      const sentinel = eventName(c, 'sentinel');
      const { token } = await control(c).token('full');
      const ws = await open(c, token);
      await expectReply(c, ws, 'init');
      for (const event_name of [name, sentinel]) {
        ws.send(JSON.stringify({ op: 'subscribe', data: { event_name } }));
        await expectReply(c, ws, 'subscribe');
      }
      const early = event(name, null);
      await control(c).publish(early);
      const before = await next(c, ws, c.target.websocketd.timeouts.quietMs);
      c.check(!before, 'no message before start', before ? before.raw.data.toString().slice(0, 200) : '');
      ws.send(JSON.stringify({ op: 'start' }));
      await expectReply(c, ws, 'start');
      const got = await deliveredBefore(c, ws, [], sentinel);
      c.check(got.length === 0, 'the event published before start is not delivered after it either', JSON.stringify(got).slice(0, 200));
    },
  );

  conformanceCase(
    { id: 'W-8.2', title: 'after start, a bus message arrives as its body, unchanged', expected: 'the forwarded text equals the published body byte for byte' },
    async (c) => {
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name]);
      const body = await control(c).publish(event(name, null, { count: 3, nested: { list: [1, 2], flag: true }, text: 'a:b\\c' }));
      const m = await next(c, ws);
      c.check(!!m, 'the event', 'nothing');
      c.check(m!.raw.data.toString('utf8') === body, body, m!.raw.data.toString('utf8').slice(0, 300));
    },
  );

  conformanceCase(
    { id: 'W-8.3', title: 'multi-byte UTF-8 in an event body is forwarded unchanged', expected: 'Grüße · 東京 · 🎥 arrive intact' },
    async (c) => {
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name]);
      const body = await control(c).publish(event(name, null, { text: 'Grüße · 東京 · 🎥' }));
      const m = await next(c, ws);
      c.check(m?.raw.data.toString('utf8') === body, body, m ? m.raw.data.toString('utf8') : 'nothing');
    },
  );

  conformanceCase(
    { id: 'W-8.4', title: 'after start, events arrive in the order they were published', expected: 'three events 1, 2, 3 arrive as 1, 2, 3' },
    async (c) => {
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name]);
      for (const n of [1, 2, 3]) await control(c).publish(event(name, null, { n }));
      const order = [];
      for (let i = 0; i < 3; i++) order.push(((await next(c, ws))?.json?.data as { n?: number } | undefined)?.n);
      c.check(order.join(',') === '1,2,3', '1,2,3', order.join(','));
    },
  );
});

describe.concurrent('W-9 subscribe after start', () => {
  conformanceCase(
    { id: 'W-9.1', title: 'subscribe after start gets no response', expected: 'after a subscribe sent once started, the next message is an event of that name, not a reply' },
    async (c) => {
      const { ws } = await started(c, 'full', []);
      const name = eventName(c);
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: name } }));
      const reply = await next(c, ws, c.target.websocketd.timeouts.quietMs * 2);
      // A silent server must not pass: an event of the subscribed name must arrive, and nothing before it.
      if (!reply) await control(c).publish(event(name, null));
      const m = reply ?? (await next(c, ws));
      if (!m) throw new FlowError(`nothing arrived after the subscribe, not even an event of its name (W-9.2 judges whether it took effect): ${describeEnd(ws, c.target.websocketd.timeouts.responseMs)}`);
      const isEvent = (unwrap(m.json) ?? m.json)?.name === name;
      c.check(isEvent, `no reply: the next message is the event ${name}`, m.raw.data.toString().slice(0, 200));
    },
  );

  conformanceCase(
    { id: 'W-9.2', title: 'subscribe after start takes effect', expected: 'an event of the name subscribed after start is delivered' },
    async (c) => {
      const name = eventName(c);
      const sentinel = eventName(c, 'sentinel');
      const { ws } = await started(c, 'full', [sentinel]);
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: name } }));
      // No reply to wait for: the sentinel round trip (subscribed before) orders the publish after the subscription.
      await deliveredBefore(c, ws, [], sentinel);
      const got = await deliveredBefore(c, ws, [event(name, null)], sentinel);
      c.check(got.some((e) => e.name === name), `the ${name} event`, `got ${got.length} events`);
    },
  );
});

describe.concurrent('W-10 event name matching', () => {
  conformanceCase(
    { id: 'W-10.1', title: 'a subscribed name is delivered', expected: 'the event of the subscribed name arrives' },
    async (c) => {
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name]);
      await control(c).publish(event(name, null));
      const m = await next(c, ws);
      c.check(m?.json?.name === name, `an event named ${name}`, m ? m.raw.data.toString().slice(0, 200) : 'nothing');
    },
  );

  conformanceCase(
    { id: 'W-10.2', title: 'an unsubscribed name is not delivered', expected: 'only the subscribed (sentinel) event arrives' },
    async (c) => {
      const sentinel = eventName(c, 'sentinel');
      const { ws } = await started(c, 'full', [sentinel]);
      const got = await deliveredBefore(c, ws, [event(eventName(c, 'other'), null)], sentinel);
      c.check(got.length === 0, 'nothing before the sentinel', JSON.stringify(got).slice(0, 200));
    },
  );

  conformanceCase(
    { id: 'W-10.3', title: '* matches every event', expected: 'a client subscribed to * receives an event of a name it never named' },
    async (c) => {
      const { ws } = await started(c, 'full', ['*']);
      const name = eventName(c, 'any');
      const e = event(name, null);
      await control(c).publish(e);
      const deadline = Date.now() + c.target.websocketd.timeouts.responseMs * 2;
      let found = false;
      while (!found && Date.now() < deadline) found = (await next(c, ws, deadline - Date.now()))?.json?.name === name;
      c.check(found, `the ${name} event`, 'not received');
    },
  );

  conformanceCase(
    { id: 'W-10.4', title: 'names match exactly: a prefix does not match', expected: 'subscribed to "X", an event "X_more" is not delivered' },
    async (c) => {
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name]);
      const got = await deliveredBefore(c, ws, [event(`${name}_more`, null)], name);
      c.check(got.length === 0, 'nothing before the sentinel', JSON.stringify(got).slice(0, 200));
    },
  );

  conformanceCase(
    { id: 'W-10.5', title: 'several subscriptions are all delivered', expected: 'events of both subscribed names arrive' },
    async (c) => {
      const [a, b] = [eventName(c, 'a'), eventName(c, 'b')];
      const { ws } = await started(c, 'full', [a, b]);
      await control(c).publish(event(a, null));
      await control(c).publish(event(b, null));
      const names = [(await next(c, ws))?.json?.name, (await next(c, ws))?.json?.name];
      c.check(names.includes(a) && names.includes(b), `${a} and ${b}`, names.join(', '));
    },
  );
});
