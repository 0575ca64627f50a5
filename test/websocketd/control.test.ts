import { connect } from 'node:net';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REFERENCE_TENANT, REFERENCE_USERS, REFERENCE_WAZO_UUID } from '../../mocks/websocketd/auth.ts';
import { startWebsocketd, type RunningWebsocketd } from '../../mocks/websocketd/server.ts';
import { clearSecrets, redact } from '../../src/report/redact.ts';
import type { WebsocketdTarget } from '../../src/target/target.ts';
import { WazoControl, revokeLeftoverTokens, tokenCheckBound } from '../../src/target/wazo-control.ts';
import { RecordingHttp } from '../../src/transport/http-client.ts';
import { Transcript } from '../../src/transport/transcript.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';

/**
 * Issue 14 points 2, 4 and 5, and 13.1 for websocketd: what the control adapter does against a current Wazo (the
 * reference profile wazo-current): events carry every routing header it binds on; tokens are registered secrets and
 * are all revoked at the case's end; AMQP errors reach the message; W-5 bounds follow the declared token check.
 */
const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const rabbit = await new Promise<boolean>((resolve) => {
  const s = connect(5672, '127.0.0.1');
  s.once('connect', () => (s.destroy(), resolve(true)));
  s.once('error', () => resolve(false));
});

const users = Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }]));
function targetOf(server: RunningWebsocketd, bus: WebsocketdTarget['bus']): WebsocketdTarget {
  return { url: server.url, authUrl: server.authUrl, insecure: true, users, profile: 'wazo-current', tokenCheck: { strategy: 'dynamic' }, bus, timeouts: { responseMs: 2000, closeMs: 1000, quietMs: 200 } };
}

async function startedClient(server: RunningWebsocketd, token: string, name: string): Promise<RecordingWebSocket> {
  const ws = await RecordingWebSocket.open(`${server.url}?token=${token}`, { insecure: true });
  const next = async () => JSON.parse((await ws.next(3000))!.data.toString());
  expect((await next()).op).toBe('init');
  ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: name } }));
  expect(await next()).toEqual({ op: 'subscribe', code: 0, data: null });
  ws.send(JSON.stringify({ op: 'start' }));
  expect((await next()).op).toBe('start');
  return ws;
}

describe('the control adapter against a current Wazo (embedded bus)', () => {
  let server: RunningWebsocketd;
  beforeAll(async () => {
    server = await startWebsocketd({ profile: 'wazo-current' });
  });
  afterAll(() => server?.close());

  test('an event reaches a user of a non-master tenant: origin, tenant and user headers set, identities from the token', async () => {
    const ctl = new WazoControl(targetOf(server, { kind: 'embedded', publishUrl: server.publishUrl }), new RecordingHttp(new Transcript('control'), true));
    const t = await ctl.token('limited');
    expect(t).toMatchObject({ tenantUuid: REFERENCE_TENANT, userUuid: REFERENCE_USERS.limited.uuid });
    const ws = await startedClient(server, t.token, 'call_created');
    const body = await ctl.publish({ name: 'call_created', required_acl: null, data: { n: 1 } });
    expect(JSON.parse(body)).toMatchObject({ name: 'call_created', origin_uuid: REFERENCE_WAZO_UUID });
    expect((await ws.next(3000))?.data.toString()).toBe(body);
    await ws.close();
    await ctl.end();
  });

  test('every token a case issued is revoked at its end, whatever happened; a token issued after the end is revoked at once', async () => {
    const ctl = new WazoControl(targetOf(server, { kind: 'embedded', publishUrl: server.publishUrl }), new RecordingHttp(new Transcript('control'), true));
    const before = server.liveTokens();
    await ctl.token('full');
    await ctl.token('limited', 5);
    const revoked = await ctl.token('negated');
    await ctl.revoke(revoked.token);
    expect(server.liveTokens()).toBe(before + 2);
    await ctl.end();
    expect(server.liveTokens()).toBe(before);
    await expect(ctl.token('full')).rejects.toThrow(/issued after its case had ended/);
    expect(server.liveTokens()).toBe(before);
  });

  test('tokens a case never revoked (its cleanup did not run) are revoked by the sweep at the end of the file', async () => {
    const ctl = new WazoControl(targetOf(server, { kind: 'embedded', publishUrl: server.publishUrl }), new RecordingHttp(new Transcript('control'), true));
    const before = server.liveTokens();
    await ctl.token('full');
    await ctl.token('limited');
    expect(server.liveTokens()).toBe(before + 2);
    expect(await revokeLeftoverTokens()).toBeGreaterThanOrEqual(2);
    expect(server.liveTokens()).toBe(0);
  });

  test('issued tokens are registered secrets: redacted wherever they appear, the renewed one of W-12.4 too', async () => {
    clearSecrets();
    const ctl = new WazoControl(targetOf(server, { kind: 'embedded', publishUrl: server.publishUrl }), new RecordingHttp(new Transcript('control'), true));
    const renewed = await ctl.token('full');
    expect(redact(`{"op":"token","data":{"token":"${renewed.token}"}}`)).toBe('{"op":"token","data":{"token":"<redacted full token>"}}');
    await ctl.end();
  });

  test('the session limit: wazo-auth answers 429 beyond it, and the control says why', async () => {
    const small = await startWebsocketd({ profile: 'wazo-current', sessionLimit: 2 });
    try {
      const ctl = new WazoControl(targetOf(small, { kind: 'embedded', publishUrl: small.publishUrl }), new RecordingHttp(new Transcript('control'), true));
      await ctl.token('full');
      await ctl.token('full');
      await expect(ctl.token('full')).rejects.toThrow(/HTTP 429 \(the user has too many live sessions/);
      await ctl.end();
      await expect(ctl.end()).resolves.toBeUndefined();
      const again = new WazoControl(targetOf(small, { kind: 'embedded', publishUrl: small.publishUrl }), new RecordingHttp(new Transcript('control'), true));
      await expect(again.token('full')).resolves.toMatchObject({ role: 'full' });
      await again.end();
    } finally {
      await small.close();
    }
  });
});

describe.skipIf(!rabbit)('the control adapter over AMQP (RabbitMQ, scripts/rabbitmq.sh)', () => {
  let server: RunningWebsocketd;
  beforeAll(async () => {
    server = await startWebsocketd({ profile: 'wazo-current', bus: { url: AMQP } });
  });
  afterAll(() => server?.close());

  test('the published message carries name, origin_uuid, tenant_uuid, user_uuid:<uuid> and required_acl headers', async () => {
    const conn = await amqp.connect(AMQP);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, 'wazo-headers', '', { 'x-match': 'all', name: 'rtc_control_headers' });
    const got = new Promise<amqp.ConsumeMessage>((resolve) => void ch.consume(queue, (m) => m && resolve(m), { noAck: true }));
    const ctl = new WazoControl(targetOf(server, { kind: 'amqp', url: AMQP, exchange: 'wazo-headers', exchangeType: 'headers' }), new RecordingHttp(new Transcript('control'), true));
    const t = await ctl.token('limited');
    const ws = await startedClient(server, t.token, 'rtc_control_headers');
    const body = await ctl.publish({ name: 'rtc_control_headers', required_acl: `events.calls.${t.userUuid}`, data: { n: 2 } });
    const m = await got;
    expect(m.properties.headers).toMatchObject({ name: 'rtc_control_headers', origin_uuid: REFERENCE_WAZO_UUID, tenant_uuid: REFERENCE_TENANT, [`user_uuid:${t.userUuid}`]: true, required_acl: `events.calls.${t.userUuid}` });
    expect((await ws.next(3000))?.data.toString()).toBe(body);
    await ws.close();
    await ctl.end();
    await conn.close();
  });

  test('a wrong exchange: the broker\'s error reaches the message at once (no case deadline)', async () => {
    const ctl = new WazoControl(targetOf(server, { kind: 'amqp', url: AMQP, exchange: 'rtc-no-such-exchange', exchangeType: 'headers' }), new RecordingHttp(new Transcript('control'), true));
    await ctl.token('full');
    const started = Date.now();
    await expect(ctl.publish({ name: 'x', required_acl: null })).rejects.toThrow(/AMQP publish to the bus \(websocketd\.bus: amqp:\/\/.+?@127\.0\.0\.1:5672, exchange "rtc-no-such-exchange"\) failed: .*NOT_FOUND - no exchange 'rtc-no-such-exchange'/);
    expect(Date.now() - started).toBeLessThan(3000);
    await ctl.end();
  });

  test('a wrong bus port: the connection error names the bus', async () => {
    const ctl = new WazoControl(targetOf(server, { kind: 'amqp', url: 'amqp://rtc:p@127.0.0.1:1', exchange: 'wazo-headers', exchangeType: 'headers' }), new RecordingHttp(new Transcript('control'), true));
    await ctl.token('full');
    await expect(ctl.publish({ name: 'x', required_acl: null })).rejects.toThrow(/cannot connect to the bus \(websocketd\.bus: amqp:\/\/rtc:<redacted password>@127\.0\.0\.1:1.*ECONNREFUSED/);
    await ctl.end();
  });
});

describe('W-5 bounds from the declared token check (wazo-websocketd auth.py)', () => {
  test('dynamic: a revoked 600 s token is seen at 0.75 × its lifetime, not after a fixed 5 s', () => {
    expect(tokenCheckBound({ strategy: 'dynamic' }, 600, 1, 0).ms).toBe(449_000);
  });
  test('dynamic, short tokens: the first check falls at the expiry', () => {
    expect(tokenCheckBound({ strategy: 'dynamic' }, 4, 0.5, 1000).ms).toBe(4500);
    expect(tokenCheckBound({ strategy: 'dynamic' }, 2, 2, 1000).ms).toBe(1000);
  });
  test('static: the next multiple of the interval', () => {
    expect(tokenCheckBound({ strategy: 'static', intervalS: 60 }, 600, 1, 0).ms).toBe(59_000);
    expect(tokenCheckBound({ strategy: 'static', intervalS: 0.5 }, 4, 0.6, 1000).ms).toBe(1400);
  });
});
