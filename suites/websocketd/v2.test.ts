import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { control, event, eventName, expectClose, expectReply, next, open, started } from './flows.ts';

function v2Only(c: CaseContext): void {
  if (c.target.websocketd.profile !== 'wazo-v2') c.skip('profile wazo-v2 only (run with --profile wazo-v2, or websocketd.profile in the target file)');
}

describe('W-12 newer protocol (profile wazo-v2)', () => {
  conformanceCase(
    { id: 'W-12.1', title: '?version=2: init carries data instead of msg', expected: '{"op": "init", "code": 0, "data": …} without msg' },
    async (c) => {
      v2Only(c);
      const { token } = await control(c).token('full');
      const init = await expectReply(c, await open(c, token, { version2: true }), 'init');
      c.observe(`init with ?version=2: ${JSON.stringify(init).slice(0, 160)}`);
      c.check('data' in init && !('msg' in init), 'data, no msg', JSON.stringify(init));
    },
  );

  conformanceCase(
    { id: 'W-12.2', title: '?version=2: every command is answered, subscribe after start too', expected: 'a subscribe after start is answered with {"op": "subscribe", "code": 0, …}' },
    async (c) => {
      v2Only(c);
      const { ws } = await started(c, 'full', [], { version2: true });
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: eventName(c) } }));
      const reply = await expectReply(c, ws, 'subscribe');
      c.observe(`subscribe after start with ?version=2 was answered ${JSON.stringify(reply).slice(0, 160)}`);
    },
  );

  conformanceCase(
    { id: 'W-12.3', title: '?version=2: events are wrapped as {"op": "event", "code": 0, "data": body}', expected: 'the bus body inside data of an event envelope' },
    async (c) => {
      v2Only(c);
      const name = eventName(c);
      const { ws } = await started(c, 'full', [name], { version2: true });
      const e = event(name, null);
      await control(c).publish(e);
      const m = await next(c, ws);
      c.observe(m ? `an event arrived as ${m.raw.data.toString().slice(0, 160)}` : 'no event arrived');
      c.check(m?.json?.op === 'event' && m.json.code === 0 && JSON.stringify(m.json.data) === JSON.stringify(e), `{"op":"event","code":0,"data":${JSON.stringify(e)}}`, m ? m.raw.data.toString().slice(0, 300) : 'nothing');
    },
  );

  conformanceCase(
    { id: 'W-12.4', title: '?version=2: the token op renews the token of the connection', expected: 'after renewing to a new token, revoking the old one does not close the connection', timeoutMs: 15_000 },
    async (c) => {
      v2Only(c);
      const ctl = control(c);
      const { ws, token } = await started(c, 'full', [], { version2: true });
      const renewed = await ctl.token('full');
      ws.send(JSON.stringify({ op: 'token', data: { token: renewed.token } }));
      await expectReply(c, ws, 'token');
      c.observe('the token op was answered; the connection then follows the renewed token');
      await ctl.revoke(token.token);
      const closed = await ws.waitClosed(1500);
      c.check(!closed, 'still open after the old token is revoked', closed ? `closed with ${closed.code}` : '');
      await ctl.revoke(renewed.token);
      await expectClose(c, ws, 4003, 'the renewed token revoked', 5000);
    },
  );

  conformanceCase(
    { id: 'W-12.5', title: '?version=2: ping is answered by pong with the same payload', expected: '{"op": "pong", "code": 0, "data": <the ping data>}' },
    async (c) => {
      v2Only(c);
      const { token } = await control(c).token('full');
      const ws = await open(c, token, { version2: true });
      await expectReply(c, ws, 'init');
      const payload = { seq: 7, note: 'héllo' };
      ws.send(JSON.stringify({ op: 'ping', data: payload }));
      const pong = await expectReply(c, ws, 'pong');
      c.observe(`ping answered ${JSON.stringify(pong).slice(0, 160)}`);
      c.check(JSON.stringify(pong.data) === JSON.stringify(payload), JSON.stringify(payload), JSON.stringify(pong.data));
    },
  );
});
