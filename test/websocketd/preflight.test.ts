import { connect } from 'node:net';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { REFERENCE_TENANT, REFERENCE_USERS, REFERENCE_WAZO_UUID } from '../../mocks/websocketd/auth.ts';
import { startWebsocketd, type RunningWebsocketd } from '../../mocks/websocketd/server.ts';
import type { TargetFile } from '../../src/target/target.ts';
import { preflightWebsocketd } from '../../src/target/websocketd-preflight.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';
import { cli, tmp } from '../run-cli.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Issue 14 points 1 and 8: the websocketd pre-flight opens the service without asking for a subprotocol (the current
 * server names none), checks auth (a token per role), the bus (connects, the exchange exists with the declared
 * type) and the service, and each failure names the part and the setting; the CLI exits 2 without a stack trace.
 */
type Spec = NonNullable<TargetFile['websocketd']>;
const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const rabbit = await new Promise<boolean>((resolve) => {
  const s = connect(5672, '127.0.0.1');
  s.once('connect', () => (s.destroy(), resolve(true)));
  s.once('error', () => resolve(false));
});

let server: RunningWebsocketd;
beforeAll(async () => {
  server = await startWebsocketd({ profile: 'wazo-current' });
});
afterAll(() => server?.close());

const users = () => Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }]));
const spec = (extra: Partial<Spec> = {}): Spec => ({ url: server.url, authUrl: server.authUrl, insecure: true, users: users(), bus: { publishUrl: server.publishUrl }, ...extra });

describe('websocketd pre-flight', () => {
  test('the current server (no subprotocol) passes; identities come from the tokens\' metadata; no token is left live', async () => {
    const s = spec();
    await preflightWebsocketd(s);
    expect(s.users.limited).toMatchObject({ tenantUuid: REFERENCE_TENANT, userUuid: REFERENCE_USERS.limited.uuid });
    expect(s.uuid).toBe(REFERENCE_WAZO_UUID);
    expect(server.liveTokens()).toBe(0);
  });

  test('the current server names no subprotocol: a client requiring v12.stomp is refused, the pre-flight asks for none', async () => {
    await expect(RecordingWebSocket.open(server.url, { insecure: true, protocols: ['v12.stomp'] })).rejects.toThrow(/no subprotocol/);
    await expect(preflightWebsocketd(spec())).resolves.toBeUndefined();
  });

  test('no bus: names websocketd.bus', async () => {
    await expect(preflightWebsocketd(spec({ bus: undefined }))).rejects.toThrow(/bus \(websocketd\.bus\): missing/);
  });

  test('the auth URL down: names websocketd.authUrl', async () => {
    await expect(preflightWebsocketd(spec({ authUrl: 'https://127.0.0.1:1' }))).rejects.toThrow(/auth \(websocketd\.authUrl https:\/\/127\.0\.0\.1:1\): cannot reach wazo-auth: ECONNREFUSED/);
  });

  test('a role whose password is wrong: names the role', async () => {
    const s = spec();
    s.users.negated = { username: 'negated', password: 'wrong' };
    await expect(preflightWebsocketd(s)).rejects.toThrow(/auth \(websocketd\.users\.negated\): wazo-auth refused a token for "negated": HTTP 401/);
    expect(server.liveTokens()).toBe(0);
  });

  test('a wrong bus port: names websocketd.bus.url, its password redacted', async () => {
    await expect(preflightWebsocketd(spec({ bus: { url: 'amqp://rtc:bus-secret-77@127.0.0.1:1' } }))).rejects.toThrow(/bus \(websocketd\.bus\.url amqp:\/\/rtc:<redacted password>@127\.0\.0\.1:1\): cannot connect to the AMQP broker: .*ECONNREFUSED/);
  });

  test.skipIf(!rabbit)('a wrong exchange: names websocketd.bus.exchange and gives the broker\'s error', async () => {
    await expect(preflightWebsocketd(spec({ bus: { url: AMQP, exchange: 'rtc-no-such-exchange' } }))).rejects.toThrow(/bus \(websocketd\.bus\.exchange "rtc-no-such-exchange"\): the exchange does not exist on the broker: .*NOT_FOUND/);
  });

  test.skipIf(!rabbit)('an exchange of another type: names websocketd.bus.exchangeType', async () => {
    const c = await amqp.connect(AMQP);
    const ch = await c.createChannel();
    await ch.assertExchange('rtc-preflight-topic', 'topic', { durable: false, autoDelete: false });
    try {
      await expect(preflightWebsocketd(spec({ bus: { url: AMQP, exchange: 'rtc-preflight-topic', exchangeType: 'headers' } }))).rejects.toThrow(/bus \(websocketd\.bus\.exchangeType "headers"\): the exchange "rtc-preflight-topic" has another type: .*inequivalent arg 'type'/);
      await expect(preflightWebsocketd(spec({ bus: { url: AMQP, exchange: 'rtc-preflight-topic', exchangeType: 'topic' } }))).resolves.toBeUndefined();
    } finally {
      await ch.deleteExchange('rtc-preflight-topic').catch(() => undefined);
      await c.close();
    }
  });

  test('a service URL that is not a websocketd (a plain echo): names the service', async () => {
    const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => echo.once('listening', r));
    echo.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
    try {
      const url = `ws://127.0.0.1:${(echo.address() as { port: number }).port}/`;
      await expect(preflightWebsocketd(spec({ url }))).rejects.toThrow(/service \(websocketd\.url ws:\/\/127\.0\.0\.1:\d+\/\): without a token the service stayed open and silent for 5 s; a websocketd closes with 4001/);
    } finally {
      echo.close();
    }
  }, 20_000);
});

describe('the CLI on target-file errors', () => {
  const write = (websocketd: Partial<Spec>) => {
    const path = join(tmp('rtc-wazo-bad-'), 'target.json');
    writeFileSync(path, JSON.stringify({ websocketd: { url: server.url, authUrl: server.authUrl, insecure: true, users: users(), ...websocketd } }));
    return path;
  };

  test('no bus: exit 2 naming websocketd.bus, no stack trace, no internal error', async () => {
    const r = await cli(['run', '--suite', 'websocketd', '--target', write({}), '--no-html', '--reports', tmp('rtc-wazo-bad-r-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/websocketd pre-flight, bus \(websocketd\.bus\): missing/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  test('the auth URL down: exit 2 naming websocketd.authUrl', async () => {
    const r = await cli(['run', '--suite', 'websocketd', '--target', write({ authUrl: 'https://127.0.0.1:1', bus: { publishUrl: server.publishUrl } }), '--no-html', '--reports', tmp('rtc-wazo-bad-r-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/websocketd pre-flight, auth \(websocketd\.authUrl https:\/\/127\.0\.0\.1:1\): cannot reach wazo-auth: ECONNREFUSED/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  test.skipIf(!rabbit)('a wrong exchange: exit 2 naming websocketd.bus.exchange, with the broker\'s error, at once', async () => {
    const started = Date.now();
    const r = await cli(['run', '--suite', 'websocketd', '--target', write({ bus: { url: AMQP, exchange: 'rtc-no-such-exchange' } }), '--no-html', '--reports', tmp('rtc-wazo-bad-r-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bus \(websocketd\.bus\.exchange "rtc-no-such-exchange"\): the exchange does not exist on the broker: .*NOT_FOUND/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a wrong bus port: exit 2 naming the bus, not a run of broken cases', async () => {
    const r = await cli(['run', '--suite', 'websocketd', '--target', write({ bus: { url: 'amqp://rtc:bus-pass-9@127.0.0.1:1' } }), '--no-html', '--reports', tmp('rtc-wazo-bad-r-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bus \(websocketd\.bus\.url amqp:\/\/rtc:<redacted password>@127\.0\.0\.1:1\): cannot connect/);
    expect(r.stdout).not.toMatch(/BROKEN/);
  });
});
