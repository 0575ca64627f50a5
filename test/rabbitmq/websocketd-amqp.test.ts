import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REFERENCE_USERS } from '../../mocks/websocketd/auth.ts';
import { startWebsocketd, type RunningWebsocketd } from '../../mocks/websocketd/server.ts';
import type { WebsocketdTarget } from '../../src/target/target.ts';
import { WazoControl } from '../../src/target/wazo-control.ts';
import { RecordingHttp } from '../../src/transport/http-client.ts';
import { Transcript } from '../../src/transport/transcript.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';

/**
 * The websocketd reference with `--bus amqp://…` consumes a real RabbitMQ (scripts/rabbitmq.sh, which .ci/run starts)
 * exactly as the real service does, and receives what the control adapter publishes over AMQP.
 */
const AMQP = 'amqp://guest:guest@127.0.0.1:5672';

const up = await new Promise<boolean>((resolve) => {
  const s = connect(5672, '127.0.0.1');
  s.once('connect', () => (s.destroy(), resolve(true)));
  s.once('error', () => resolve(false));
});
if (!up && process.env.CI) throw new Error('RabbitMQ is not listening on 127.0.0.1:5672: .ci/run must run scripts/rabbitmq.sh start');

let server: RunningWebsocketd;
beforeAll(async () => {
  if (up) server = await startWebsocketd({ bus: { url: AMQP } });
});
afterAll(() => server?.close());

test.skipIf(!up)('events published over AMQP reach started, subscribed, authorised clients only', async () => {
  const target: WebsocketdTarget = {
    url: server.url,
    authUrl: server.authUrl,
    insecure: true,
    users: Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }])),
    profile: 'documented',
    tokenCheck: { strategy: 'static', intervalS: 0.1 },
    bus: { kind: 'amqp', url: AMQP, exchange: 'wazo-headers', exchangeType: 'headers' },
    timeouts: { responseMs: 3000, closeMs: 2000, quietMs: 300 },
  };
  const control = new WazoControl(target, new RecordingHttp(new Transcript('control'), true));
  const { token } = await control.token('limited');
  const ws = await RecordingWebSocket.open(`${server.url}?token=${token}`, { insecure: true });
  const next = async () => JSON.parse((await ws.next(3000))!.data.toString());
  expect(await next()).toEqual({ op: 'init', code: 0, msg: '' });
  ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'call_created' } }));
  expect(await next()).toEqual({ op: 'subscribe', code: 0, msg: '' });
  ws.send(JSON.stringify({ op: 'start' }));
  expect(await next()).toEqual({ op: 'start', code: 0, msg: '' });

  const forbidden = { name: 'call_created', required_acl: 'events.calls.someone-else', data: { n: 1 } };
  const allowed = { name: 'call_created', origin_uuid: 'o-1', user_uuid: 'u-1', required_acl: null, data: { n: 2, text: 'Grüße 東京' } };
  await control.publish(forbidden);
  await control.publish(allowed);
  const got = await ws.next(3000);
  expect(got?.data.toString()).toBe(JSON.stringify(allowed));
  await ws.close();
}, 30_000);
