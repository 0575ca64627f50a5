import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_HOOK_SETTINGS } from '../../mocks/wcs/hook-client.ts';
import { startWcs, type RunningWcs } from '../../mocks/wcs/wcs.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';

/** A backend whose connect answer and OnDataEvent status each test chooses through `custom`. */
let backend: Server;
let wcs: RunningWcs;
const received: Array<{ method: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  backend = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const method = req.url!.split('/').pop()!;
      const body = JSON.parse(text);
      received.push({ method, body });
      const custom = (body.custom ?? {}) as { refuse?: string; onError?: string };
      if (method === 'connect' && custom.refuse === 'envelope') return res.writeHead(403, { 'content-type': 'application/json' }).end('{"status":403,"reason":"No entry for you"}');
      if (method === 'connect' && custom.refuse === 'other') return res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"nope"}');
      if (method === 'connect') {
        const restClientConfig = custom.onError ? { OnDataEvent: { restOnError: custom.onError } } : undefined;
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...body, restClientConfig }));
      }
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":500,"reason":"data refused"}');
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const app = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/apps/test`;
  wcs = await startWcs({ settings: { ...DEFAULT_HOOK_SETTINGS, rest_request_timeout: 1 }, applications: { testApp: app, refusedApp: 'http://127.0.0.1:9/apps/refused' }, pingMs: 100 });
});
afterAll(async () => {
  await wcs.close();
  await new Promise<void>((r) => { backend.close(() => r()); backend.closeAllConnections(); });
});

async function client(custom: Record<string, unknown>, appKey = 'testApp') {
  const ws = await RecordingWebSocket.open(wcs.url);
  const messages: Array<{ message: string; data: Array<Record<string, unknown>> }> = [];
  ws.listeners.push((m) => messages.push(JSON.parse(m.data.toString())));
  ws.send(JSON.stringify({ message: 'connection', data: [{ appKey, mediaProviders: ['WebRTC'], custom }] }));
  const wait = async (name: string) => {
    for (let i = 0; i < 40 && !messages.some((m) => m.message === name); i++) await ws.wait(50);
    return messages.find((m) => m.message === name)?.data[0];
  };
  return { ws, messages, wait };
}

describe('reference WCS: client WebSocket API → REST hooks', () => {
  test('connection sends connect (nodeId, appKey, sessionId, custom) and ESTABLISHES; the server pings', async () => {
    const { ws, wait } = await client({ login: 'alice' });
    expect(await wait('ConnectionStatusEvent')).toMatchObject({ status: 'ESTABLISHED' });
    const connect = received.find((r) => r.method === 'connect' && (r.body.custom as { login?: string }).login === 'alice')!;
    expect(connect.body).toMatchObject({ appKey: 'testApp', custom: { login: 'alice' } });
    expect(typeof connect.body.nodeId).toBe('string');
    expect(String(connect.body.sessionId)).toMatch(/^\/127\.0\.0\.1:\d+\/127\.0\.0\.1:\d+$/);
    expect(await wait('ping')).toBeNull();
    await ws.close();
  });

  test('H-5: a refusal shows the body reason when the body is exactly {status, reason}, else the status line', async () => {
    const a = await client({ refuse: 'envelope' });
    expect(await a.wait('ConnectionStatusEvent')).toMatchObject({ status: 'FAILED', info: 'No entry for you' });
    const b = await client({ refuse: 'other' });
    expect(await b.wait('ConnectionStatusEvent')).toMatchObject({ status: 'FAILED', info: 'Forbidden' });
    await Promise.all([a.ws.close(), b.ws.close()]);
  });

  test('H-15: a non-200 to an event is ignored by default; restOnError FAIL gives the client an ErrorEvent', async () => {
    const quiet = await client({});
    await quiet.wait('ConnectionStatusEvent');
    quiet.ws.send(JSON.stringify({ message: 'sendData', data: [{ operationId: 'op-1', payload: { n: 1 } }] }));
    expect(await quiet.wait('DataStatusEvent')).toMatchObject({ operationId: 'op-1', status: 'ACCEPTED' });
    expect(quiet.messages.some((m) => m.message === 'ErrorEvent')).toBe(false);

    const failing = await client({ onError: 'FAIL' });
    await failing.wait('ConnectionStatusEvent');
    failing.ws.send(JSON.stringify({ message: 'sendData', data: [{ operationId: 'op-2', payload: { n: 2 } }] }));
    expect(await failing.wait('ErrorEvent')).toMatchObject({ info: 'data refused', method: 'OnDataEvent' });
    await Promise.all([quiet.ws.close(), failing.ws.close()]);
  });

  test('a hook that fails shows the client and the log the exception HttpClient 4 throws', async () => {
    const c = await client({}, 'refusedApp');
    const text = 'org.apache.http.conn.HttpHostConnectException: Connect to 127.0.0.1:9 [/127.0.0.1] failed: Connection refused';
    expect(await c.wait('ConnectionStatusEvent')).toMatchObject({ status: 'FAILED', info: text });
    expect(wcs.log.some((l) => l.endsWith(`ERROR RestClient - API-ASYNC-pool-1-thread-1 Got exception in REST ${text}`))).toBe(true);
    await c.ws.close();
  });
});
