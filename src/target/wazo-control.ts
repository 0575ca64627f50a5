import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { redact, registerSecret, registerUrlSecrets } from '../report/redact.ts';
import type { RecordingHttp } from '../transport/http-client.ts';
import { FlowError } from '../transport/stomp-session.ts';
import type { TokenCheck, WebsocketdTarget } from './target.ts';

/** The service URL for a token (W-1: the `token` query parameter; none at all when undefined), `?version=2` if asked. */
export function serviceUrl(target: WebsocketdTarget, token: string | undefined, version2 = false): string {
  const url = new URL(target.url);
  if (token !== undefined) url.searchParams.set('token', token);
  if (version2) url.searchParams.set('version', '2');
  return url.toString();
}

export interface IssuedToken {
  token: string;
  role: string;
  userUuid: string;
  tenantUuid: string;
  sessionUuid: string;
  /** Lifetime asked for, in seconds. */
  lifetimeS: number;
  /** When it was issued (epoch ms). */
  issuedAt: number;
}

/** A bus message body (the fields Wazo routes on, plus data); `required_acl` may be absent, null or a string. */
export interface BusEvent {
  name: string;
  origin_uuid?: string;
  required_acl?: string | null;
  data?: unknown;
}

/** wazo-websocketd's dynamic strategy (auth.py `_calculate_next_check`): seconds until the next check. */
export function dynamicCheckDelayS(remainingS: number): number {
  if (remainingS <= 0) return 15;
  if (remainingS < 15) return remainingS;
  if (remainingS <= 80) return Math.min(remainingS, 60);
  if (remainingS <= 57600) return Math.floor(0.75 * remainingS);
  return 43200;
}

/**
 * W-5: how long after a change of the token (expiry, revocation) `changeAtS` seconds into a connection opened with a
 * token of `lifetimeS` the service's next check falls, per the target's declared setting; plus `slackMs` (the check's
 * round trip to wazo-auth and the close). The text says how the bound was found (shown in the report).
 */
export function tokenCheckBound(check: TokenCheck, lifetimeS: number, changeAtS: number, slackMs: number): { ms: number; text: string } {
  let at = 0;
  if (check.strategy === 'static') {
    const every = check.intervalS ?? 60;
    // Checks fall at every multiple of the interval after the open; the first one strictly after the change sees it
    // (one at the very moment of the change may have run just before it).
    at = (Math.floor(changeAtS / every) + 1) * every;
    return { ms: Math.ceil((at - changeAtS) * 1000 + slackMs), text: `static token check every ${every} s: next check ${(at - changeAtS).toFixed(1)} s after the change, + ${slackMs} ms` };
  }
  const checks: number[] = [];
  while (at < changeAtS - 1e-9 && checks.length < 100) {
    at += dynamicCheckDelayS(lifetimeS - at);
    checks.push(at);
  }
  return {
    ms: Math.ceil((at - changeAtS) * 1000 + slackMs),
    text: `dynamic token check, ${lifetimeS} s token: checks at ${checks.map((c) => c.toFixed(1)).join(', ')} s; the change at ${changeAtS.toFixed(1)} s is seen ${(at - changeAtS).toFixed(1)} s later, + ${slackMs} ms`,
  };
}

/**
 * Tokens issued in this process and not revoked yet, across every case: what the end of each suite file revokes
 * (`revokeLeftoverTokens`, from src/target/websocketd-sweep.ts) when a case's own cleanup could not.
 */
const outstanding = new Map<string, { authUrl: string; insecure?: boolean }>();

/** Revokes every token issued in this process and still live (their cases' cleanup failed or never ran); how many. */
export async function revokeLeftoverTokens(): Promise<number> {
  const left = [...outstanding];
  if (left.length === 0) return 0;
  const { RecordingHttp: Http } = await import('../transport/http-client.ts');
  const { Transcript } = await import('../transport/transcript.ts');
  const http = new Http(new Transcript('token sweep'), left.some(([, t]) => t.insecure));
  let revoked = 0;
  for (const [token, t] of left) {
    const r = await http.send('DELETE', `${t.authUrl}/0.1/token/${encodeURIComponent(token)}`).catch(() => undefined);
    if (r && (r.status < 300 || r.status === 404)) {
      outstanding.delete(token);
      revoked++;
    }
  }
  return revoked;
}

interface TokenData {
  token?: string;
  session_uuid?: string;
  xivo_uuid?: string;
  metadata?: { uuid?: string; tenant_uuid?: string };
}

/**
 * The control adapter of the websocketd suites (DESIGN principle 2): tokens come from wazo-auth (`POST /0.1/token`
 * with the role's Basic credentials, `DELETE /0.1/token/{token}`), the same calls for the reference server and a real
 * Wazo; events go onto the bus over AMQP (headers exchange, with every routing header a current Wazo binds on:
 * `name`, `origin_uuid`, `tenant_uuid`, `user_uuid:<uuid>`, `required_acl`), or onto the reference's embedded bus.
 * Every token it issues is revoked by `end()` (the case's cleanup), whatever the verdict.
 */
export class WazoControl {
  private readonly live = new Map<string, IssuedToken>();
  /** Users the case has tokens for (user uuid → tenant uuid): the recipients of its events. */
  private readonly recipients = new Map<string, string>();
  private learnedOrigin?: string;
  private ended = false;
  private bus?: Promise<{ connection: ChannelModel; channel: ConfirmChannel; failure: Promise<never> }>;

  constructor(
    private readonly target: WebsocketdTarget,
    private readonly http: RecordingHttp,
  ) {
    if (target.bus.kind === 'amqp') registerUrlSecrets(target.bus.url);
  }

  /** A token for `role`, registered as a secret; with its user's uuid and tenant (declared, or from its metadata). */
  async token(role: string, expirationS = 600): Promise<IssuedToken> {
    const user = this.target.users[role];
    if (!user) throw new FlowError(`the target declares no user for role "${role}" (target file: websocketd.users.${role})`);
    registerSecret(user.password, `${role} password`);
    this.http.transcript.redact(user.password, `${role} password`);
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    registerSecret(basic, `${role} credentials`);
    this.http.transcript.redact(basic, `${role} credentials`);
    const issuedAt = Date.now();
    const r = await this.http.post(`${this.target.authUrl}/0.1/token`, { expiration: expirationS }, { authorization: `Basic ${basic}` });
    let data = (r.json as { data?: TokenData } | undefined)?.data;
    if (r.status === 429) throw new FlowError(`wazo-auth refused a token for role "${role}": HTTP 429 (the user has too many live sessions; tokens left by earlier runs expire with their lifetime)`);
    if (r.status !== 200 || !data?.token) throw new FlowError(`wazo-auth refused a token for role "${role}" (websocketd.users.${role}): HTTP ${r.status}`);
    const token = data.token;
    registerSecret(token, `${role} token`);
    this.http.transcript.redact(token, `${role} token`);
    const issued: IssuedToken = { token, role, userUuid: user.userUuid ?? '', tenantUuid: user.tenantUuid ?? '', sessionUuid: data.session_uuid ?? '', lifetimeS: expirationS, issuedAt };
    this.live.set(token, issued);
    outstanding.set(token, { authUrl: this.target.authUrl, insecure: this.target.insecure });
    if (this.ended) {
      // The case is over (its deadline passed while this request was under way): the token must not outlive it.
      await this.revoke(token).catch(() => undefined);
      throw new FlowError('a token was issued after its case had ended (revoked at once)');
    }
    if (!issued.userUuid || !issued.tenantUuid || !data.metadata?.tenant_uuid) {
      // POST may answer less than GET does: the token's metadata is authoritative (GET /0.1/token/{token}).
      const g = await this.http.send('GET', `${this.target.authUrl}/0.1/token/${encodeURIComponent(token)}`);
      const got = (g.json as { data?: TokenData } | undefined)?.data;
      if (g.status === 200 && got) data = { ...data, ...got, metadata: { ...data.metadata, ...got.metadata } };
    }
    issued.userUuid ||= data.metadata?.uuid ?? '';
    issued.tenantUuid ||= data.metadata?.tenant_uuid ?? '';
    issued.sessionUuid ||= data.session_uuid ?? '';
    this.learnedOrigin ??= data.xivo_uuid;
    if (issued.userUuid) this.recipients.set(issued.userUuid, issued.tenantUuid);
    return issued;
  }

  async revoke(token: string): Promise<void> {
    const r = await this.http.send('DELETE', `${this.target.authUrl}/0.1/token/${encodeURIComponent(token)}`);
    // 404: already gone (expired and purged, or revoked before).
    if (r.status >= 300 && r.status !== 404) throw new FlowError(`wazo-auth did not revoke the token: HTTP ${r.status}`);
    this.live.delete(token);
    outstanding.delete(token);
  }

  /** Tokens this control issued and has not revoked yet. */
  get liveTokens(): number {
    return this.live.size;
  }

  /** The case's end: every token it issued is revoked, the bus connection closed; a token issued later is revoked at once. */
  async end(): Promise<void> {
    this.ended = true;
    const failures: string[] = [];
    for (const t of [...this.live.keys()]) await this.revoke(t).catch((err: Error) => failures.push(err.message));
    const bus = this.bus;
    this.bus = undefined;
    if (bus) await bus.then((b) => b.connection.close()).catch(() => undefined);
    if (failures.length) this.http.transcript.note(`could not revoke ${failures.length} token(s): ${failures[0]}`);
  }

  /** The Wazo's uuid the events carry as origin_uuid: declared (websocketd.uuid) or learned from a token (xivo_uuid). */
  origin(): string | undefined {
    return this.target.uuid ?? this.learnedOrigin;
  }

  /**
   * Publishes `event` to the users the case holds tokens for, once per tenant; returns the body as published (the
   * event with its origin_uuid), which a started client receives unchanged (W-8).
   */
  async publish(event: BusEvent): Promise<string> {
    const origin = event.origin_uuid ?? this.origin();
    const { name, origin_uuid: _given, ...rest } = event;
    const body = JSON.stringify({ name, ...(origin ? { origin_uuid: origin } : {}), ...rest });
    const byTenant = new Map<string, string[]>();
    for (const [user, tenant] of this.recipients) byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), user]);
    if (byTenant.size === 0) byTenant.set('', []);
    for (const [tenant, users] of byTenant) {
      const headers: Record<string, unknown> = { name: event.name };
      if (origin) headers.origin_uuid = origin;
      if (tenant) headers.tenant_uuid = tenant;
      for (const u of users) headers[`user_uuid:${u}`] = true;
      if (event.required_acl !== undefined) headers.required_acl = event.required_acl;
      await this.send(body, headers);
    }
    return body;
  }

  private async send(body: string, headers: Record<string, unknown>): Promise<void> {
    const bus = this.target.bus;
    if (bus.kind === 'embedded') {
      const r = await this.http.send('POST', bus.publishUrl, { headers: { 'content-type': 'application/json', 'x-bus-headers': JSON.stringify(headers) }, body });
      if (r.status >= 300) throw new FlowError(`the reference bus refused the event: HTTP ${r.status}`);
      return;
    }
    if (!headers.origin_uuid) throw new FlowError('no origin_uuid for the event: declare the Wazo\'s uuid (websocketd.uuid in the target file); a real Wazo delivers only its own events');
    this.http.transcript.note(`AMQP publish to exchange ${bus.exchange}, headers ${JSON.stringify(headers)}: ${body}`);
    const where = `the bus (websocketd.bus: ${redact(bus.url)}, exchange "${bus.exchange}")`;
    const { channel, failure } = await this.channel(where);
    const confirmed = new Promise<void>((resolve, reject) => {
      channel.publish(bus.exchange, '', Buffer.from(body), { headers, contentType: 'application/json' }, (err) => (err ? reject(err) : resolve()));
    });
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no publisher confirm within ${this.target.timeouts.responseMs * 2} ms`)), this.target.timeouts.responseMs * 2).unref());
    try {
      await Promise.race([confirmed, failure, deadline]);
    } catch (err) {
      this.bus = undefined;
      throw new FlowError(`AMQP publish to ${where} failed: ${redact((err as Error).message)}`);
    }
  }

  /** One AMQP connection and confirm channel per case; `failure` rejects when the broker closes either. */
  private channel(where: string): Promise<{ connection: ChannelModel; channel: ConfirmChannel; failure: Promise<never> }> {
    const bus = this.target.bus;
    if (bus.kind !== 'amqp') throw new Error('not an AMQP bus');
    this.bus ??= (async () => {
      let connection: ChannelModel;
      try {
        // amqplib only for a bus that is AMQP (every suite worker loads this module).
        const { default: amqp } = await import('amqplib');
        connection = await amqp.connect(bus.url, { timeout: this.target.timeouts.responseMs * 2 });
      } catch (err) {
        throw new FlowError(`cannot connect to ${where}: ${redact((err as Error).message)}`);
      }
      const channel = await connection.createConfirmChannel();
      const failure = new Promise<never>((_, reject) => {
        const fail = (err?: Error) => reject(err ?? new Error('the broker closed the channel'));
        channel.on('error', fail);
        channel.on('close', () => fail());
        connection.on('error', fail);
      });
      failure.catch(() => undefined);
      return { connection, channel, failure };
    })();
    this.bus.catch(() => (this.bus = undefined));
    return this.bus;
  }
}
