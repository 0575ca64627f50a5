import amqp from 'amqplib';
import type { RecordingHttp } from '../transport/http-client.ts';
import { FlowError } from '../transport/stomp-session.ts';
import type { WebsocketdTarget } from './target.ts';

/** The service URL for a token (W-1: the `token` query parameter; none at all when undefined), `?version=2` if asked. */
export function serviceUrl(target: WebsocketdTarget, token: string | undefined, version2 = false): string {
  const url = new URL(target.url);
  if (token !== undefined) url.searchParams.set('token', token);
  if (version2) url.searchParams.set('version', '2');
  return url.toString();
}

export interface IssuedToken {
  token: string;
  userUuid: string;
  sessionUuid: string;
}

/** A bus message body (the fields Wazo routes on, plus data); `required_acl` may be absent, null or a string. */
export interface BusEvent {
  name: string;
  origin_uuid?: string;
  tenant_uuid?: string;
  user_uuid?: string;
  required_acl?: string | null;
  data?: unknown;
}

/**
 * The control adapter of the websocketd suites (DESIGN principle 2): tokens come from wazo-auth (`POST /0.1/token`
 * with the role's Basic credentials, `DELETE /0.1/token/{token}`), the same calls for the reference server and a real
 * Wazo; events go onto the bus over AMQP (headers exchange, routing headers and body fields set), or onto the
 * reference server's embedded bus.
 */
export class WazoControl {
  constructor(
    private readonly target: WebsocketdTarget,
    private readonly http: RecordingHttp,
  ) {}

  async token(role: string, expirationS = 600): Promise<IssuedToken> {
    const user = this.target.users[role];
    if (!user) throw new FlowError(`the target declares no user for role "${role}" (target file: websocketd.users.${role})`);
    this.http.transcript.redact(user.password, `${role} password`);
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    this.http.transcript.redact(basic, `${role} credentials`);
    const r = await this.http.post(`${this.target.authUrl}/0.1/token`, { expiration: expirationS }, { authorization: `Basic ${basic}` });
    const data = (r.json as { data?: { token?: string; session_uuid?: string; metadata?: { uuid?: string } } } | undefined)?.data;
    if (r.status !== 200 || !data?.token) throw new FlowError(`wazo-auth refused a token for role "${role}": HTTP ${r.status}`);
    this.http.transcript.redact(data.token, `${role} token`);
    return { token: data.token, userUuid: data.metadata?.uuid ?? '', sessionUuid: data.session_uuid ?? '' };
  }

  async revoke(token: string): Promise<void> {
    const r = await this.http.send('DELETE', `${this.target.authUrl}/0.1/token/${encodeURIComponent(token)}`);
    if (r.status >= 300) throw new FlowError(`wazo-auth did not revoke the token: HTTP ${r.status}`);
  }

  async publish(event: BusEvent): Promise<void> {
    const body = JSON.stringify(event);
    const bus = this.target.bus;
    if (bus.kind === 'embedded') {
      const r = await this.http.post(bus.publishUrl, body);
      if (r.status >= 300) throw new FlowError(`the reference bus refused the event: HTTP ${r.status}`);
      return;
    }
    this.http.transcript.note(`AMQP publish to ${bus.exchange}: ${body}`);
    const connection = await amqp.connect(bus.url);
    try {
      const channel = await connection.createConfirmChannel();
      const headers: Record<string, unknown> = { name: event.name };
      for (const key of ['origin_uuid', 'tenant_uuid', 'required_acl'] as const) if (event[key] !== undefined) headers[key] = event[key];
      if (event.user_uuid) headers[`user_uuid:${event.user_uuid}`] = true;
      channel.publish(bus.exchange, '', Buffer.from(body), { headers, contentType: 'application/json' });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }
}
