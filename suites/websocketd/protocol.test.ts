import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { control, expectClose, expectReply, next, open } from './flows.ts';

async function initialised(c: CaseContext) {
  const { token } = await control(c).token('full');
  const ws = await open(c, token);
  await expectReply(c, ws, 'init');
  return ws;
}

const BAD: Array<[string, string, string | Buffer]> = [
  ['W-6.1', 'a frame that is not valid JSON', '{"op": "subscribe", '],
  ['W-6.2', 'an unknown operation', JSON.stringify({ op: 'teleport', data: {} })],
  ['W-6.3', 'a message without op', JSON.stringify({ data: { event_name: 'x' } })],
  ['W-6.4', 'subscribe without data', JSON.stringify({ op: 'subscribe' })],
  ['W-6.5', 'subscribe without data.event_name', JSON.stringify({ op: 'subscribe', data: {} })],
  ['W-6.6', 'a binary frame', Buffer.from(JSON.stringify({ op: 'start' }))],
  ['W-6.7', 'JSON that is not an object (an array)', JSON.stringify([{ op: 'start' }])],
  ['W-6.8', 'an event_name that is not a string', JSON.stringify({ op: 'subscribe', data: { event_name: 42 } })],
  // An unknown operation in the documented protocol; in the newer ones a ping without its mandatory string payload.
  ['W-6.10', 'a ping whose data has no string payload', JSON.stringify({ op: 'ping', data: { seq: 7 } })],
];

describe.concurrent('W-6 protocol errors: close 4004', () => {
  for (const [id, what, frame] of BAD) {
    conformanceCase({ id, title: `${what}: close 4004`, expected: 'the server closes with 4004' }, async (c) => {
      const ws = await initialised(c);
      ws.send(frame, { binary: typeof frame !== 'string' });
      await expectClose(c, ws, 4004, what);
    });
  }

  conformanceCase(
    { id: 'W-6.9', title: 'a protocol error after start: close 4004', expected: 'invalid JSON after start still closes with 4004' },
    async (c) => {
      const ws = await initialised(c);
      ws.send(JSON.stringify({ op: 'start' }));
      await expectReply(c, ws, 'start');
      ws.send('not json');
      await expectClose(c, ws, 4004, 'invalid JSON after start');
    },
  );
});

/** The documented reply shape before start: exactly op, code, msg; msg empty when code is 0. */
function checkShape(c: CaseContext, json: Record<string, unknown>, op: string): void {
  const keys = Object.keys(json).sort().join(',');
  c.check(keys === 'code,msg,op', `exactly the keys op, code, msg in the ${op} reply`, `keys ${keys}: ${JSON.stringify(json)}`);
  c.check(json.msg === '', 'msg "" (code 0)', JSON.stringify(json.msg));
}

describe.concurrent('W-7 messages before start', () => {
  conformanceCase(
    { id: 'W-7.1', title: 'init is exactly {op, code, msg} with msg ""', expected: '{"op": "init", "code": 0, "msg": ""}' },
    async (c) => {
      const { token } = await control(c).token('full');
      checkShape(c, await expectReply(c, await open(c, token), 'init'), 'init');
    },
  );

  conformanceCase(
    { id: 'W-7.2', title: 'subscribe is answered by exactly {op: subscribe, code: 0, msg: ""}', expected: '{"op": "subscribe", "code": 0, "msg": ""}' },
    async (c) => {
      const ws = await initialised(c);
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'endpoint_status_update' } }));
      checkShape(c, await expectReply(c, ws, 'subscribe'), 'subscribe');
    },
  );

  conformanceCase(
    { id: 'W-7.3', title: 'start is answered by exactly {op: start, code: 0, msg: ""}', expected: '{"op": "start", "code": 0, "msg": ""}' },
    async (c) => {
      const ws = await initialised(c);
      ws.send(JSON.stringify({ op: 'start' }));
      checkShape(c, await expectReply(c, ws, 'start'), 'start');
    },
  );

  conformanceCase(
    { id: 'W-7.4', title: 'replies come in the order of the commands', expected: 'two subscribes then start → subscribe, subscribe, start' },
    async (c) => {
      const ws = await initialised(c);
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'a' } }));
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'b' } }));
      ws.send(JSON.stringify({ op: 'start' }));
      const ops = [];
      for (let i = 0; i < 3; i++) ops.push((await next(c, ws))?.json?.op);
      c.check(ops.join(',') === 'subscribe,subscribe,start', 'subscribe,subscribe,start', ops.join(','));
    },
  );

  conformanceCase(
    { id: 'W-7.5', title: 'the documented message format: {"op": …, "data": …} with data optional for start', expected: '{"op": "start"} without data is accepted' },
    async (c) => {
      const ws = await initialised(c);
      ws.send('{"op": "start"}');
      await expectReply(c, ws, 'start');
    },
  );
});
