import type { ChannelModel } from 'amqplib';
import { redact, registerSecret, registerUrlSecrets } from '../report/redact.ts';
import { RecordingHttp } from '../transport/http-client.ts';
import { reachable } from '../transport/reachable.ts';
import { Transcript } from '../transport/transcript.ts';
import { RecordingWebSocket } from '../transport/ws-client.ts';
import { TargetError, type TargetFile } from './target.ts';

type WebsocketdSpec = NonNullable<TargetFile['websocketd']>;

const fail = (part: string, setting: string, why: string): never => {
  throw new TargetError(`websocketd pre-flight, ${part} (${setting}): ${redact(why)}`);
};

/**
 * Checks a real websocketd target before any case runs, each failure naming the part and the target-file setting
 * (exit 2, no stack trace): auth (a token for each role, its metadata), the bus (connects; the exchange exists and has
 * the declared type), the service (opened without asking for a subprotocol: without a token it must close with a
 * 400x code; with one it must greet with init). Fills in each role's `tenantUuid`/`userUuid` (when not given) from
 * its token's metadata (`GET /0.1/token/{token}`), and `uuid` from the token's `xivo_uuid`; every token it creates
 * is revoked before it returns.
 */
export async function preflightWebsocketd(spec: WebsocketdSpec): Promise<void> {
  if (!spec.bus) fail('bus', 'websocketd.bus', 'missing: a real target needs the AMQP broker of its Wazo to publish events, e.g. "bus": {"url": "amqp://user:pass@wazo:5672", "exchange": "wazo-headers"}');
  const bus = spec.bus!;
  const http = new RecordingHttp(new Transcript('websocketd pre-flight'), spec.insecure);
  const authUrl = spec.authUrl.replace(/\/$/, '');
  const down = await reachable(authUrl);
  if (down) fail('auth', `websocketd.authUrl ${authUrl}`, `cannot reach wazo-auth: ${down}`);

  const tokens: string[] = [];
  const byRole: Record<string, string> = {};
  try {
    for (const [role, user] of Object.entries(spec.users)) {
      registerSecret(user.password, `${role} password`);
      const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
      registerSecret(basic, `${role} credentials`);
      const setting = `websocketd.users.${role}`;
      const r = await http.post(`${authUrl}/0.1/token`, { expiration: 60 }, { authorization: `Basic ${basic}` }).catch((err: Error) => fail('auth', `websocketd.authUrl ${authUrl}`, err.message));
      const token = (r.json as { data?: { token?: string } } | undefined)?.data?.token;
      if (r.status !== 200 || !token) fail('auth', setting, `wazo-auth refused a token for "${user.username}": HTTP ${r.status}${r.status === 429 ? ' (too many live sessions for this user)' : ''}`);
      registerSecret(token!, `${role} token`);
      tokens.push(token!);
      byRole[role] = token!;
      const g = await http.send('GET', `${authUrl}/0.1/token/${encodeURIComponent(token!)}`);
      const data = (g.json as { data?: { xivo_uuid?: string; metadata?: { uuid?: string; tenant_uuid?: string } } } | undefined)?.data;
      if (g.status !== 200 || !data) fail('auth', setting, `GET /0.1/token/{token} answered HTTP ${g.status} for a token it had just issued`);
      user.userUuid ??= data!.metadata?.uuid;
      user.tenantUuid ??= data!.metadata?.tenant_uuid;
      if (!user.userUuid || !user.tenantUuid) fail('auth', setting, 'the token\'s metadata carries no uuid/tenant_uuid: give "userUuid" and "tenantUuid" for this role');
      spec.uuid ??= data!.xivo_uuid;
    }

    if ('url' in bus) await preflightBus(bus);
    else {
      const why = await reachable(bus.publishUrl);
      if (why) fail('bus', `websocketd.bus.publishUrl ${bus.publishUrl}`, `cannot reach the embedded bus: ${why}`);
    }
    if ('url' in bus && !spec.uuid) fail('bus', 'websocketd.uuid', 'the Wazo\'s uuid is neither given nor in its tokens (xivo_uuid): events need it as origin_uuid');

    // The greeting needs a token with the websocketd ACL: the full role's (README: the roles and their policies).
    await preflightService(spec, byRole.full ?? tokens[0]);
  } finally {
    for (const t of tokens) await http.send('DELETE', `${authUrl}/0.1/token/${encodeURIComponent(t)}`).catch(() => undefined);
  }
}

async function preflightBus(bus: { url: string; exchange?: string; exchangeType?: string }): Promise<void> {
  registerUrlSecrets(bus.url);
  const exchange = bus.exchange ?? 'wazo-headers';
  const type = bus.exchangeType ?? 'headers';
  let connection: ChannelModel;
  try {
    // amqplib is loaded only for a real websocketd target that names its bus.
    const { default: amqp } = await import('amqplib');
    connection = await amqp.connect(bus.url, { timeout: 5000 });
  } catch (err) {
    return fail('bus', `websocketd.bus.url ${redact(bus.url)}`, `cannot connect to the AMQP broker: ${(err as Error).message || String(err)}`);
  }
  connection.on('error', () => undefined);
  try {
    // A passive declare on a throwaway channel: the broker closes the channel (404) when the exchange does not exist.
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(exchange);
    } catch (err) {
      return fail('bus', `websocketd.bus.exchange "${exchange}"`, `the exchange does not exist on the broker: ${(err as Error).message}`);
    }
    await probe.close().catch(() => undefined);
    // The type: declaring it with the declared type is refused (406 inequivalent arg 'type') when the type differs.
    for (const durable of [true, false]) {
      const typed = await connection.createChannel();
      typed.on('error', () => undefined);
      try {
        await typed.assertExchange(exchange, type, { durable });
        await typed.close().catch(() => undefined);
        return;
      } catch (err) {
        const message = (err as Error).message;
        if (/inequivalent arg 'type'/.test(message)) return fail('bus', `websocketd.bus.exchangeType "${type}"`, `the exchange "${exchange}" has another type: ${message}`);
        if (!/inequivalent arg 'durable'/.test(message)) return fail('bus', `websocketd.bus.exchange "${exchange}"`, message);
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The service, opened without any subprotocol (the current server names none): it must close or greet as documented. */
async function preflightService(spec: WebsocketdSpec, token: string | undefined): Promise<void> {
  const setting = `websocketd.url ${spec.url}`;
  const open = async (withToken: boolean) => {
    const url = new URL(spec.url);
    if (withToken && token) url.searchParams.set('token', token);
    try {
      return await RecordingWebSocket.open(url.toString(), { insecure: spec.insecure, timeoutMs: 5000, redact: token ? [token] : [] });
    } catch (err) {
      const why = (err as Error).message;
      return fail('service', setting, `${why}${/certificate|self[- ]signed|CERT/i.test(why) ? ' (a self-signed certificate? set "insecure": true)' : ''}`);
    }
  };
  const bare = await open(false);
  try {
    const first = await bare.next(5000).catch(() => undefined);
    const closed = await bare.waitClosed(first ? 1000 : 0);
    if (!closed || closed.code < 4000 || closed.code > 4999) {
      const what = first ? `sent ${JSON.stringify(first.data.toString('utf8').slice(0, 80))}` : closed ? `closed with ${closed.code}` : 'stayed open and silent for 5 s';
      fail('service', setting, `without a token the service ${what}; a websocketd closes with 4001 ("no token"): is this URL a websocketd?`);
    }
  } finally {
    await bare.close().catch(() => undefined);
  }
  if (!token) return;
  const ws = await open(true);
  try {
    const first = await ws.next(5000).catch(() => undefined);
    let op: unknown;
    try {
      op = first ? JSON.parse(first.data.toString('utf8'))?.op : undefined;
    } catch {
      op = undefined;
    }
    if (op !== 'init') {
      const close = ws.transcript.close;
      fail('service', setting, `with a valid token the service ${first ? `sent ${JSON.stringify(first.data.toString('utf8').slice(0, 80))}` : close ? `closed with ${close.code} "${close.reason}"` : 'sent nothing within 5 s'} instead of the init message`);
    }
  } finally {
    await ws.close().catch(() => undefined);
  }
}
