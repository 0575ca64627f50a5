import { describe, inject } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { checkBound, control, describeEnd, expectClose, expectReply, next, open } from './flows.ts';

describe.concurrent('W-1 connection and token', () => {
  conformanceCase(
    { id: 'W-1.1', title: 'the service is an encrypted WebSocket (wss)', expected: 'the target URL is wss:// and the TLS handshake succeeds' },
    async (c) => {
      const scheme = new URL(c.target.websocketd.url).protocol;
      c.check(scheme === 'wss:', 'wss:', scheme);
      await open(c, undefined, { label: 'TLS handshake' });
    },
  );

  conformanceCase(
    { id: 'W-1.2', title: 'a valid token in the token query parameter authenticates', expected: 'wss://host:port/?token=ID → the init message' },
    async (c) => {
      const { token } = await control(c).token('full');
      await expectReply(c, await open(c, token), 'init');
    },
  );

  conformanceCase(
    { id: 'W-1.3', title: 'the service listens on the documented port 9502', expected: 'port 9502 in the target URL (a deployment may change it: then skipped)' },
    async (c) => {
      const port = new URL(c.target.websocketd.url).port || '443';
      if (port !== '9502') return c.skip(`the target is configured on port ${port}, not the default 9502 (the reference runs on a free port; \`rtc-conformance mock\` uses 9502)`);
      const { token } = await control(c).token('full');
      await expectReply(c, await open(c, token), 'init');
    },
  );
});

describe.concurrent('W-2 init', () => {
  conformanceCase(
    { id: 'W-2.1', title: 'the first server message is init with code 0', expected: '{"op": "init", "code": 0, …} first' },
    async (c) => {
      const { token } = await control(c).token('full');
      await expectReply(c, await open(c, token), 'init');
    },
  );

  conformanceCase(
    { id: 'W-2.2', title: 'init comes first even when the client speaks at once', expected: 'a subscribe sent right after the handshake is answered after init' },
    async (c) => {
      const { token } = await control(c).token('full');
      const ws = await open(c, token);
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'anything' } }));
      await expectReply(c, ws, 'init');
      await expectReply(c, ws, 'subscribe');
    },
  );
});

describe.concurrent('W-3 no token', () => {
  conformanceCase(
    { id: 'W-3.1', title: 'no token parameter: close 4001', expected: 'the server closes with 4001' },
    async (c) => {
      const ws = await open(c, undefined);
      await expectClose(c, ws, 4001, 'no token');
    },
  );

  conformanceCase(
    { id: 'W-3.2', title: 'an empty token parameter: close 4001', expected: '?token= (empty) is no token: 4001' },
    async (c) => {
      await expectClose(c, await open(c, ''), 4001, 'empty token');
    },
  );

  conformanceCase(
    { id: 'W-3.3', title: 'no init before the 4001 close', expected: 'nothing but the close: no init message' },
    async (c) => {
      const ws = await open(c, undefined);
      const m = await next(c, ws, c.target.websocketd.timeouts.quietMs);
      c.check(!m, 'no message', m ? m.raw.data.toString() : '');
      await expectClose(c, ws, 4001, 'no token');
    },
  );
});

describe.concurrent('W-4 authentication failures', () => {
  conformanceCase(
    { id: 'W-4.1', title: 'an invalid token: close 4002', expected: 'a token wazo-auth never issued: 4002' },
    async (c) => {
      await expectClose(c, await open(c, '00000000-0000-4000-8000-000000000bad'), 4002, 'invalid token');
    },
  );

  conformanceCase(
    { id: 'W-4.2', title: 'an expired token: close 4002', expected: 'a token past its expiration: 4002', timeoutMs: 15_000 },
    async (c) => {
      const { token } = await control(c).token('full', 1);
      await new Promise((r) => setTimeout(r, 1500));
      await expectClose(c, await open(c, token), 4002, 'expired token');
    },
  );

  conformanceCase(
    { id: 'W-4.3', title: 'a revoked token: close 4002', expected: 'a token deleted from wazo-auth: 4002' },
    async (c) => {
      const ctl = control(c);
      const { token } = await ctl.token('full');
      await ctl.revoke(token);
      await expectClose(c, await open(c, token), 4002, 'revoked token');
    },
  );

  conformanceCase(
    { id: 'W-4.4', title: 'a token without the websocketd ACL: close 4002', expected: 'a valid token lacking websocketd: 4002' },
    async (c) => {
      const { token } = await control(c).token('no-websocketd');
      await expectClose(c, await open(c, token), 4002, 'token without the websocketd ACL');
    },
  );
});

/**
 * W-5 waits are bounded by the target's declared token check (websocketd.tokenCheck), so the case deadlines follow it:
 * a static check every 60 s (wazo-websocketd's default interval) makes these cases wait about a minute.
 */
const declared = inject('rtcTarget').websocketd.tokenCheck;
const CHECK_S = declared.strategy === 'static' ? (declared.intervalS ?? 60) : 0;
/** Short lifetimes keep the dynamic strategy's checks (scheduled from the expiry) within seconds. */
const EXPIRY_S = Math.max(2, Math.ceil(CHECK_S));
const W5_DEADLINE_MS = 15_000 + 3 * CHECK_S * 1000;

describe.concurrent('W-5 token expiry while connected', () => {
  conformanceCase(
    { id: 'W-5.1', title: 'the token expires during the connection: close 4003', expected: `a ${EXPIRY_S} s token: init, then 4003 within the bound of the declared token check`, timeoutMs: W5_DEADLINE_MS },
    async (c) => {
      const { token } = await control(c).token('full', EXPIRY_S);
      const ws = await open(c, token);
      await expectReply(c, ws, 'init', true);
      const bound = checkBound(c, EXPIRY_S, EXPIRY_S, '4003 bound', EXPIRY_S * 1000);
      const closed = await expectClose(c, ws, 4003, `expired token, within ${bound} ms of the open`, bound);
      c.measure('closed after (ms)', closed.at.toFixed(0));
    },
  );

  conformanceCase(
    { id: 'W-5.2', title: 'the token is deleted during the connection: close 4003', expected: 'revocation in wazo-auth: 4003 within the bound of the declared token check', timeoutMs: W5_DEADLINE_MS },
    async (c) => {
      const ctl = control(c);
      // Static checks: a lifetime well past the next check, so that the close shows the revocation, not the expiry.
      const lifetimeS = Math.max(4, Math.ceil(CHECK_S * 2 + c.target.websocketd.timeouts.closeMs / 1000));
      const { token } = await ctl.token('full', lifetimeS);
      const ws = await open(c, token);
      const openedAt = Date.now();
      await expectReply(c, ws, 'init', true);
      await ctl.revoke(token);
      const changeAtS = (Date.now() - openedAt) / 1000;
      const bound = checkBound(c, lifetimeS, changeAtS);
      if (changeAtS * 1000 + bound >= lifetimeS * 1000) c.note(`the bound reaches the token's expiry (${lifetimeS} s): with this token check, a revocation cannot be told from the expiry`);
      await expectClose(c, ws, 4003, `revoked token, within ${bound} ms`, bound);
    },
  );

  conformanceCase(
    { id: 'W-5.3', title: 'expiry after start also closes with 4003', expected: 'started session, token expires: 4003 within the bound of the declared token check', timeoutMs: W5_DEADLINE_MS },
    async (c) => {
      const { token } = await control(c).token('full', EXPIRY_S);
      const ws = await open(c, token);
      await expectReply(c, ws, 'init', true);
      ws.send(JSON.stringify({ op: 'start' }));
      await expectReply(c, ws, 'start', true);
      const bound = checkBound(c, EXPIRY_S, EXPIRY_S, '4003 bound', EXPIRY_S * 1000);
      const closed = await ws.waitClosed(bound);
      c.check(closed?.code === 4003, `close code 4003 within ${bound} ms`, closed ? `close code ${closed.code}` : describeEnd(ws, bound));
    },
  );
});
