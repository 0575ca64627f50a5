import { describe, inject } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { checkBound, control, event, eventName, expectClose, expectReply, next, open, started } from './flows.ts';

const declared = inject('rtcTarget').websocketd.tokenCheck;
const CHECK_S = declared.strategy === 'static' ? (declared.intervalS ?? 60) : 0;
const LIFETIME_S = Math.max(3, Math.ceil(CHECK_S * 2));
const W12_DEADLINE_MS = 20_000 + 4 * LIFETIME_S * 1000;

function v2Only(c: CaseContext): void {
  const p = c.target.websocketd.profile;
  if (p !== 'wazo-v2' && p !== 'wazo-current') c.skip('profiles wazo-v2 and wazo-current only (run with --profile, or websocketd.profile in the target file)');
}

describe.concurrent('W-12 newer protocol (profiles wazo-v2, wazo-current)', () => {
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
      const body = await control(c).publish(event(name, null));
      const m = await next(c, ws);
      c.observe(m ? `an event arrived as ${m.raw.data.toString().slice(0, 160)}` : 'no event arrived');
      c.check(m?.json?.op === 'event' && m.json.code === 0 && JSON.stringify(m.json.data) === body, `{"op":"event","code":0,"data":${body}}`, m ? m.raw.data.toString().slice(0, 300) : 'nothing');
    },
  );

  conformanceCase(
    { id: 'W-12.4', title: '?version=2: the token op renews the token of the connection', expected: 'after renewing to a new token, revoking the old one does not close the connection; revoking the new one does (4003)', timeoutMs: W12_DEADLINE_MS },
    async (c) => {
      v2Only(c);
      const ctl = control(c);
      const t = c.target.websocketd;
      // Short lifetimes: with the dynamic check, the first check falls at the first token's expiry.
      const first = await ctl.token('full', LIFETIME_S);
      const ws = await open(c, first.token, { version2: true });
      const openedAt = Date.now();
      await expectReply(c, ws, 'init');
      const renewed = await ctl.token('full', 2 * LIFETIME_S + Math.ceil(t.timeouts.closeMs / 1000));
      // The renewed token is a secret this connection sends: registered by the control when it was issued, and
      // redacted from this connection's transcript too.
      ws.transcript.redact(renewed.token, 'renewed token');
      ws.send(JSON.stringify({ op: 'token', data: { token: renewed.token } }));
      await expectReply(c, ws, 'token');
      c.observe('the token op was answered; the connection then follows the renewed token');
      await ctl.revoke(first.token);
      const quiet = checkBound(c, LIFETIME_S, (Date.now() - openedAt) / 1000, 'watched after revoking the old token');
      const closed = await ws.waitClosed(quiet);
      c.check(!closed, `still open ${quiet} ms after the old token is revoked`, closed ? `closed with ${closed.code}` : '');
      await ctl.revoke(renewed.token);
      const sinceOpenS = (Date.now() - openedAt) / 1000;
      // After the renewal the checks follow the renewed token; the dynamic schedule reaches it by its expiry at the latest.
      const bound = t.tokenCheck.strategy === 'static'
        ? checkBound(c, LIFETIME_S, sinceOpenS)
        : Math.max(0, renewed.issuedAt + renewed.lifetimeS * 1000 - Date.now()) + t.timeouts.closeMs;
      c.measure('4003 bound after revoking the renewed token', `${bound} ms`);
      await expectClose(c, ws, 4003, 'the renewed token revoked', bound);
    },
  );

  conformanceCase(
    { id: 'W-12.5', title: '?version=2: ping is answered by pong with the same payload', expected: '{"op": "ping", "data": {"payload": "…"}} → {"op": "pong", "code": 0, "data": {"payload": the same string}}' },
    async (c) => {
      v2Only(c);
      const { token } = await control(c).token('full');
      const ws = await open(c, token, { version2: true });
      await expectReply(c, ws, 'init');
      const payload = 'héllo 7 · 東京';
      ws.send(JSON.stringify({ op: 'ping', data: { payload } }));
      const pong = await expectReply(c, ws, 'pong');
      c.observe(`ping answered ${JSON.stringify(pong).slice(0, 160)}`);
      const got = (pong.data as { payload?: unknown } | null | undefined)?.payload;
      c.check(got === payload, JSON.stringify({ payload }), JSON.stringify(pong.data));
    },
  );
});
