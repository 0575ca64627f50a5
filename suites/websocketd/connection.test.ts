import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { control, describeEnd, expectClose, expectReply, next, open } from './flows.ts';

describe('W-1 connection and token', () => {
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

describe('W-2 init', () => {
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

describe('W-3 no token', () => {
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

describe('W-4 authentication failures', () => {
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

describe('W-5 token expiry while connected', () => {
  conformanceCase(
    { id: 'W-5.1', title: 'the token expires during the connection: close 4003', expected: 'a 2 s token: init, then 4003 within 2 s after expiry', timeoutMs: 15_000 },
    async (c) => {
      const { token } = await control(c).token('full', 2);
      const ws = await open(c, token);
      await expectReply(c, ws, 'init');
      const closed = await expectClose(c, ws, 4003, 'expired token', 4000 + c.target.websocketd.timeouts.responseMs);
      c.measure('closed after (ms)', closed.at.toFixed(0));
    },
  );

  conformanceCase(
    { id: 'W-5.2', title: 'the token is deleted during the connection: close 4003', expected: 'revocation in wazo-auth: 4003 within a bounded delay', timeoutMs: 15_000 },
    async (c) => {
      const ctl = control(c);
      const { token } = await ctl.token('full');
      const ws = await open(c, token);
      await expectReply(c, ws, 'init');
      await ctl.revoke(token);
      await expectClose(c, ws, 4003, 'revoked token', 5000);
    },
  );

  conformanceCase(
    { id: 'W-5.3', title: 'expiry after start also closes with 4003', expected: 'started session, token expires: 4003', timeoutMs: 15_000 },
    async (c) => {
      const { token } = await control(c).token('full', 2);
      const ws = await open(c, token);
      await expectReply(c, ws, 'init');
      ws.send(JSON.stringify({ op: 'start' }));
      await expectReply(c, ws, 'start');
      const closed = await ws.waitClosed(4000 + c.target.websocketd.timeouts.responseMs);
      c.check(closed?.code === 4003, 'close code 4003', closed ? `close code ${closed.code}` : describeEnd(ws, 4000));
    },
  );
});
