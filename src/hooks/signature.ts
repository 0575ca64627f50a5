import { createHmac } from 'node:crypto';

/** The Authorization header of a signed WCS hook (`rest_hook_send_hash`): `WCS ` + hex HMAC-MD5 of the body. */
export function hookAuthorization(body: string | Uint8Array, key: string): string {
  return `WCS ${createHmac('md5', key).update(body).digest('hex')}`;
}
