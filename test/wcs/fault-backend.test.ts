import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_CONTROL_BODY, startFaultBackend, type RunningFaultBackend } from '../../src/hooks/fault-backend.ts';
import { redact } from '../../src/report/redact.ts';

/** The harness fault backend's control surface (issue 13 point 2): loopback, unguessable, authenticated, 4xx on bad input. */
let backend: RunningFaultBackend;
beforeAll(async () => {
  backend = await startFaultBackend();
});
afterAll(() => backend?.close());

async function send(url: string, options: { method?: string; body?: string | Buffer; token?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? backend.controlToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const r = await request(url, { method: (options.method ?? 'POST') as 'POST', headers, body: options.body });
  return { status: r.statusCode, text: await r.body.text() };
}

const faults = (marker = 'rtc-m1') => `${backend.controlUrl}/faults?marker=${marker}`;

describe('fault backend control surface', () => {
  test('on loopback, on its own port, under a path drawn per run; the token is a registered secret', async () => {
    const control = new URL(backend.controlUrl);
    const app = new URL(backend.appUrl);
    expect(control.hostname).toBe('127.0.0.1');
    expect(control.port).not.toBe(app.port);
    expect(control.pathname).toMatch(/^\/_rtc-[\w-]{12}$/);
    const other = await startFaultBackend();
    try {
      expect(new URL(other.controlUrl).pathname).not.toBe(control.pathname);
      expect(other.controlToken).not.toBe(backend.controlToken);
    } finally {
      await other.close();
    }
    expect(redact(`token ${backend.controlToken}`)).not.toContain(backend.controlToken);
  });

  test('the application port serves no control: /_rtc/faults there is a 404 and changes nothing', async () => {
    const base = new URL(backend.appUrl).origin;
    expect((await send(`${base}/_rtc/faults?marker=rtc-m1`, { body: '{"connect":{"kind":"drop"}}' })).status).toBe(404);
    expect((await send(`${base}/_rtc/faults?marker=rtc-m1`, { body: '{not json' })).status).toBe(404);
    expect((await send(`${base}${new URL(backend.controlUrl).pathname}/faults?marker=rtc-m1`, { body: '{"connect":{"kind":"drop"}}' })).status).toBe(404);
  });

  test('without the token, or with another: 401; a wrong path: 404; a wrong method: 405', async () => {
    expect((await send(faults(), { body: '{}', token: null })).status).toBe(401);
    expect((await send(faults(), { body: '{}', token: 'guess' })).status).toBe(401);
    expect((await send(`${backend.controlUrl}/deliveries?marker=rtc-m1`, { method: 'GET', token: null })).status).toBe(401);
    expect((await send(`${new URL(backend.controlUrl).origin}/_rtc/faults?marker=rtc-m1`, { body: '{}' })).status).toBe(404);
    expect((await send(faults(), { method: 'PUT', body: '{}' })).status).toBe(405);
  });

  test('bad input is a 4xx naming the problem: not JSON, unknown fault, bad fields, bad marker, oversize', async () => {
    const notJson = await send(faults(), { body: '{not json' });
    expect(notJson.status).toBe(400);
    expect(notJson.text).toMatch(/not JSON/);
    const unknown = await send(faults(), { body: '{"connect":{"kind":"explode"}}' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toMatch(/unknown fault kind/);
    expect((await send(faults(), { body: '{"connect":{"kind":"delay","ms":"soon"}}' })).status).toBe(422);
    expect((await send(faults(), { body: '{"connect":{"kind":"delay","ms":1e12}}' })).status).toBe(422);
    expect((await send(faults(), { body: '{"connect":{"kind":"trickle","intervalMs":10,"bodyChunks":2,"extra":1}}' })).status).toBe(422);
    expect((await send(faults(), { body: '[1,2]' })).status).toBe(422);
    expect((await send(faults('bad marker!'), { body: '{}' })).status).toBe(400);
    expect((await send(faults(), { body: Buffer.alloc(MAX_CONTROL_BODY + 1, ' ') })).status).toBe(413);
  });

  test('an oversize body sent without Content-Length (chunked) is cut with 413', async () => {
    const url = new URL(faults());
    const answer = await new Promise<string>((resolve) => {
      const s = connect({ port: Number(url.port), host: '127.0.0.1' });
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.write(`POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${backend.controlToken}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      for (let i = 0; i < 8; i++) s.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
      setTimeout(() => s.destroy(), 1500);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
  });

  test('a valid fault map is taken (204) and applies to the hooks of its marker only', async () => {
    expect((await send(faults('rtc-m2'), { body: '{"connect":{"kind":"status","status":503}}' })).status).toBe(204);
    const hook = (m: string) => request(`${backend.appUrl}/connect`, { method: 'POST', body: JSON.stringify({ custom: { rtcCase: m } }) }).then(async (r) => (await r.body.text(), r.statusCode));
    expect(await hook('rtc-m2')).toBe(503);
    expect(await hook('rtc-unprogrammed')).toBe(200);
    const list = JSON.parse((await send(`${backend.controlUrl}/deliveries?marker=rtc-m2`, { method: 'GET' })).text);
    expect(list).toHaveLength(1);
    expect(JSON.parse((await send(`${backend.controlUrl}/deliveries?marker=rtc-unprogrammed`, { method: 'GET' })).text)).toEqual([]);
  });

  test('hostile hooks on the application port are answered and never take the backend down', async () => {
    const post = (body: string | Buffer) => request(`${backend.appUrl}/connect`, { method: 'POST', body }).then(async (r) => (await r.body.text(), r.statusCode));
    expect(await post('{not json')).toBe(200); // echoed as {}: the backend of a hook client answers what it can
    expect(await post(Buffer.alloc(9 * 1024 * 1024, 'x')).catch(() => 'cut')).toSatisfy((s: unknown) => s === 413 || s === 'cut');
    expect(await post('{"custom":{"rtcCase":"rtc-m3"}}')).toBe(200);
  });
});
