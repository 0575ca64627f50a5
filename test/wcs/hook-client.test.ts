import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_HOOK_SETTINGS, HookClient, type HookClientSettings } from '../../mocks/wcs/hook-client.ts';

/** A backend with one fault per path, counting the deliveries it sees. */
let server: Server;
let base: string;
const deliveries = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const fault = req.url!.split('/')[1];
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      deliveries.set(fault, (deliveries.get(fault) ?? 0) + 1);
      if (fault === 'answer') return res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      if (fault === 'slow') return void setTimeout(() => res.writeHead(200).end('{}'), 600);
      if (fault === 'status') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":500,"reason":"boom"}');
      if (fault === 'drop') return req.socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));

async function send(fault: string, settings: Partial<HookClientSettings>, url = `${base}/${fault}`) {
  deliveries.delete(fault);
  const client = new HookClient({ ...DEFAULT_HOOK_SETTINGS, ...settings });
  try {
    const result = await client.send(url, 'connect', { nodeId: 'n', appKey: 'k', sessionId: 's' });
    return { ...result, seen: deliveries.get(fault) ?? 0, log: client.log };
  } finally {
    await client.close();
  }
}

describe('reference WCS hook client (H-10 … H-16 semantics)', () => {
  test('an answer is one delivery', async () => {
    const r = await send('answer', {});
    expect(r).toMatchObject({ outcome: { kind: 'answered', status: 200 }, attempts: 1, seen: 1 });
  });

  test('H-10: a slow backend: give up at about rest_request_timeout, one delivery, not retried, logged', async () => {
    const r = await send('slow', { rest_request_timeout: 0.3 });
    expect(r).toMatchObject({ outcome: { kind: 'timeout' }, attempts: 1, seen: 1 });
    expect(r.ms).toBeGreaterThanOrEqual(280);
    expect(r.ms).toBeLessThan(550);
    expect(r.log[0]).toMatch(/ERROR RestClient - .* Got exception in REST java\.net\.SocketTimeoutException: Read timed out$/);
  });

  test('H-11: rest_request_timeout=0 waits for the late answer', async () => {
    const r = await send('slow', { rest_request_timeout: 0 });
    expect(r).toMatchObject({ outcome: { kind: 'answered', status: 200 }, seen: 1 });
    expect(r.ms).toBeGreaterThanOrEqual(580);
  });

  test('H-12: a dropped connection is delivered again, 1 + retry count in all', async () => {
    const r = await send('drop', { rest_client_request_retry_count: 3, rest_client_request_sent_retry_enabled: true });
    expect(r).toMatchObject({ outcome: { kind: 'dropped' }, attempts: 4, seen: 4 });
  });

  test('H-13: sent-retry disabled: exactly one delivery', async () => {
    const r = await send('drop', { rest_client_request_retry_count: 3, rest_client_request_sent_retry_enabled: false });
    expect(r).toMatchObject({ outcome: { kind: 'dropped' }, attempts: 1, seen: 1 });
  });

  test('H-14: disable_rest_requests: nothing is sent', async () => {
    const r = await send('answer', { disable_rest_requests: true });
    expect(r).toMatchObject({ outcome: { kind: 'disabled' }, attempts: 0, seen: 0 });
  });

  test('H-16: an HTTP 5xx is an answer, never retried; a refused connection is not retried', async () => {
    expect(await send('status', {})).toMatchObject({ outcome: { kind: 'answered', status: 500 }, attempts: 1, seen: 1 });
    const refused = await send('refused', {}, 'http://127.0.0.1:9/refused');
    expect(refused).toMatchObject({ outcome: { kind: 'refused' }, attempts: 0 });
  });
});
