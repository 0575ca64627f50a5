import { Buffer } from 'node:buffer';

/**
 * The one redaction step in front of every sink (console, errors, summary.json, JUnit, Allure results and
 * environment, history, HTML title, transcripts). Secrets are registered where they are created or learned (a
 * passcode from the target file, a token issued or renewed by a case, an HMAC key, URL userinfo); patterns catch the
 * shapes a secret takes in text we did not produce ourselves (a URL's `?token=`, its `user:pass@`, an
 * `Authorization` header). Redaction works on raw text, before anything is rendered.
 */
const secrets = new Map<string, string>();

/** Shorter values are not secrets we could hide without destroying the text around them. */
const MIN_SECRET_LENGTH = 3;

export function registerSecret(value: string | undefined | null, label = 'secret'): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.set(value, label);
  ordered = undefined;
}

/** Secrets of a URL: its password and any secret-looking query parameter. */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  try {
    const u = new URL(url);
    if (u.password) registerSecret(decodeURIComponent(u.password), 'password');
    for (const [k, v] of u.searchParams) if (SECRET_PARAM.test(k)) registerSecret(v, k);
  } catch {
    // not a URL: nothing to learn from it
  }
}

let ordered: Array<[string, string]> | undefined;
function bySize(): Array<[string, string]> {
  // Longest first, so that a secret containing another is replaced whole.
  return (ordered ??= [...secrets].sort((a, b) => b[0].length - a[0].length));
}

const SECRET_PARAM = /^(token|access_token|auth|password|passwd|passcode|secret|key|api_key|apikey|signature)$/i;

/** Redacts a text: registered secrets, then the shapes of secrets (URL userinfo, secret query parameters, auth headers). */
export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const [secret, label] of bySize()) if (out.includes(secret)) out = out.split(secret).join(`<redacted ${label}>`);
  return out
    .replace(/(\b[a-z][\w+.-]*:\/\/[^\s/:@]*):[^\s/@]+@/gi, '$1:<redacted password>@')
    .replace(/([?&;](?:token|access_token|auth|password|passwd|passcode|secret|key|api_key|apikey|signature)=)[^&\s#'"<>]+/gi, '$1<redacted>')
    .replace(/\b(x-auth-token|authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(?:(WCS|Basic|Bearer|Digest)\s+)?(?!<redacted|(?:WCS|Basic|Bearer|Digest)\s)[^\s"',}]+/gi, (_m, name, sep, scheme) => `${name}${sep}${scheme ? `${scheme} ` : ''}<redacted>`);
}

/** Redacts every string inside a JSON-like value (summary entries, measurements, environment). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Buffer)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** Redacts raw bytes (a transcript entry) before they are rendered: a secret is found as the octets it was sent as. */
export function redactBytes(bytes: Buffer): Buffer {
  let out = bytes;
  for (const [secret, label] of bySize()) {
    const needle = Buffer.from(secret, 'utf8');
    if (out.indexOf(needle) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, from)) {
      parts.push(out.subarray(from, at), Buffer.from(`<redacted ${label}>`));
      from = at + needle.length;
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  ordered = undefined;
}
