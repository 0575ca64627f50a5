import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aclAllows, type AclSubject } from './acl.ts';

export interface Token extends AclSubject {
  token: string;
  username: string;
  tenantUuid: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** The tenant of the reference users: a normal tenant, not the master one (as users of a real Wazo are). */
export const REFERENCE_TENANT = '6a3e1c00-0000-4000-8000-00000000a7e1';
/** The master tenant of the reference wazo-auth (no reference user belongs to it). */
export const MASTER_TENANT = '6a3e1c00-0000-4000-8000-0000000a57e2';
/** The reference Wazo's own uuid (XIVO_UUID): the origin_uuid of its events. */
export const REFERENCE_WAZO_UUID = '6a3e1c00-0000-4000-8000-0000000c0de0';

/** The reference users, one per role the suites need; a real Wazo gets users with equivalent policies. */
export const REFERENCE_USERS: Record<string, { password: string; acl: string[]; uuid: string }> = {
  full: { password: 'full-pass', acl: ['websocketd', 'events.#'], uuid: '3c1e7a52-0000-4000-8000-00000000a11c' },
  limited: {
    password: 'limited-pass',
    acl: ['websocketd', 'events.calls.me', 'events.users.*.status', 'events.sessions.my_session'],
    uuid: '3c1e7a52-0000-4000-8000-000000000b0b',
  },
  negated: { password: 'negated-pass', acl: ['websocketd', 'events.#', '!events.secret.#'], uuid: '3c1e7a52-0000-4000-8000-0000000ca201' },
  'no-websocketd': { password: 'no-websocketd-pass', acl: ['events.#'], uuid: '3c1e7a52-0000-4000-8000-00000000da7e' },
};

/** wazo-auth's default limit of live sessions per user (`max_user_sessions`): POST /0.1/token answers 429 beyond it. */
export const DEFAULT_SESSION_LIMIT = 100;

/**
 * An embedded wazo-auth: `POST /0.1/token` (HTTP Basic, `expiration` in seconds; 429 once the user has
 * `sessionLimit` live tokens), `GET`/`HEAD /0.1/token/{token}[?scope=acl]` (its data with `metadata.uuid` and
 * `metadata.tenant_uuid`; 404 when unknown, expired or revoked; 403 when the scope is not granted),
 * `DELETE /0.1/token/{token}`. `GET /_control/live-tokens` counts the live tokens (harness tests: a run leaves none).
 */
export class TokenService {
  private readonly tokens = new Map<string, Token>();

  constructor(
    readonly sessionLimit = DEFAULT_SESSION_LIMIT,
    readonly wazoUuid = REFERENCE_WAZO_UUID,
  ) {}

  issue(username: string, expirationS: number): Token {
    const user = REFERENCE_USERS[username];
    const now = Date.now();
    const token: Token = {
      token: randomUUID(),
      username,
      acl: user.acl,
      userUuid: user.uuid,
      tenantUuid: REFERENCE_TENANT,
      sessionUuid: randomUUID(),
      issuedAt: now,
      expiresAt: now + expirationS * 1000,
      revoked: false,
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** The token if it exists and is still valid. */
  valid(id: string): Token | undefined {
    const t = this.tokens.get(id);
    return t && !t.revoked && t.expiresAt > Date.now() ? t : undefined;
  }

  /** Whether the token was issued and is past its expiration. */
  expired(id: string): boolean {
    const t = this.tokens.get(id);
    return Boolean(t && t.expiresAt <= Date.now());
  }

  /** Whether the token was issued and then revoked. */
  revoked(id: string): boolean {
    return Boolean(this.tokens.get(id)?.revoked);
  }

  revoke(id: string): boolean {
    const t = this.tokens.get(id);
    if (t) t.revoked = true;
    return Boolean(t);
  }

  /** Every token ever issued (harness tests search the reports for them). */
  issuedIds(): string[] {
    return [...this.tokens.keys()];
  }

  /** Live tokens (neither revoked nor expired), per user and in all. */
  live(): { live: number; byUser: Record<string, number> } {
    const byUser: Record<string, number> = {};
    let live = 0;
    for (const t of this.tokens.values()) {
      if (t.revoked || t.expiresAt <= Date.now()) continue;
      live++;
      byUser[t.username] = (byUser[t.username] ?? 0) + 1;
    }
    return { live, byUser };
  }

  private data(t: Token) {
    return {
      token: t.token,
      acl: t.acl,
      issued_at: new Date(t.issuedAt).toISOString(),
      expires_at: new Date(t.expiresAt).toISOString(),
      utc_expires_at: new Date(t.expiresAt).toISOString(),
      session_uuid: t.sessionUuid,
      xivo_uuid: this.wazoUuid,
      metadata: { uuid: t.userUuid, tenant_uuid: t.tenantUuid, purpose: 'user', admin: false },
    };
  }

  readonly onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://auth');
    const send = (status: number, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method === 'GET' && url.pathname === '/_control/live-tokens') return send(200, this.live());
    const one = /^\/0\.1\/token\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const id = decodeURIComponent(one[1]);
      if (req.method === 'DELETE') return send(this.revoke(id) ? 200 : 404, {});
      if (req.method === 'GET' || req.method === 'HEAD') {
        const t = this.valid(id);
        if (!t) return send(404, { reason: ['No such token'], status_code: 404 });
        const scope = url.searchParams.get('scope');
        if (scope && !aclAllows(t, scope)) return send(403, { reason: [`Unauthorized for ${scope}`], status_code: 403 });
        return send(200, { data: this.data(t) });
      }
    }
    if (req.method !== 'POST' || url.pathname !== '/0.1/token') return send(404, { message: 'not found' });
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [username, password] = Buffer.from(encoded ?? '', 'base64').toString().split(':');
    const user = REFERENCE_USERS[username];
    if (scheme !== 'Basic' || !user || user.password !== password) return send(401, { message: 'Authentication Failed' });
    let body = '';
    req.on('data', (c) => {
      body += c;
      if (body.length > 64 * 1024) req.destroy();
    });
    req.on('end', () => {
      let expiration = 7200;
      try {
        const parsed = body ? JSON.parse(body) : {};
        if (parsed.expiration !== undefined) expiration = Number(parsed.expiration);
      } catch {
        return send(400, { message: 'invalid JSON' });
      }
      if (!(expiration > 0)) return send(400, { message: 'expiration must be positive' });
      if ((this.live().byUser[username] ?? 0) >= this.sessionLimit) return send(429, { reason: ['Too many sessions'], status_code: 429 });
      send(200, { data: this.data(this.issue(username, expiration)) });
    });
  };
}
