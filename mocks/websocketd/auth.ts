import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AclSubject } from './acl.ts';

export interface Token extends AclSubject {
  token: string;
  expiresAt: number;
  revoked: boolean;
}

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

/** An embedded wazo-auth: `POST /0.1/token` (HTTP Basic, `expiration` in seconds), `DELETE /0.1/token/{token}`. */
export class TokenService {
  private readonly tokens = new Map<string, Token>();

  issue(username: string, expirationS: number): Token {
    const user = REFERENCE_USERS[username];
    const token: Token = {
      token: randomUUID(),
      acl: user.acl,
      userUuid: user.uuid,
      sessionUuid: randomUUID(),
      expiresAt: Date.now() + expirationS * 1000,
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

  revoke(id: string): boolean {
    const t = this.tokens.get(id);
    if (t) t.revoked = true;
    return Boolean(t);
  }

  readonly onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://auth');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    const del = /^\/0\.1\/token\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && del) return send(this.revoke(decodeURIComponent(del[1])) ? 200 : 404, {});
    if (req.method !== 'POST' || url.pathname !== '/0.1/token') return send(404, { message: 'not found' });
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [username, password] = Buffer.from(encoded ?? '', 'base64').toString().split(':');
    const user = REFERENCE_USERS[username];
    if (scheme !== 'Basic' || !user || user.password !== password) return send(401, { message: 'Authentication Failed' });
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let expiration = 7200;
      try {
        const parsed = body ? JSON.parse(body) : {};
        if (parsed.expiration !== undefined) expiration = Number(parsed.expiration);
      } catch {
        return send(400, { message: 'invalid JSON' });
      }
      if (!(expiration > 0)) return send(400, { message: 'expiration must be positive' });
      const t = this.issue(username, expiration);
      send(200, {
        data: {
          token: t.token,
          acl: t.acl,
          expires_at: new Date(t.expiresAt).toISOString(),
          utc_expires_at: new Date(t.expiresAt).toISOString(),
          session_uuid: t.sessionUuid,
          metadata: { uuid: t.userUuid },
        },
      });
    });
  };
}
