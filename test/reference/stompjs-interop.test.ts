import { Client, type IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';

let server: RunningOamServer;
beforeAll(async () => {
  server = await startOamServer({ tls: true });
});
afterAll(() => server.close());

/** A real, independent STOMP client (@stomp/stompjs) against the reference server, over wss with the test certificate. */
test('@stomp/stompjs connects, subscribes, sends and receives through the reference server', async () => {
  const received: IMessage[] = [];
  const client = new Client({
    brokerURL: server.stompUrl,
    webSocketFactory: () => new WebSocket(server.stompUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp'], { rejectUnauthorized: false }),
    connectHeaders: { host: 'localhost' },
    reconnectDelay: 0,
    heartbeatIncoming: 100,
    heartbeatOutgoing: 100,
  });
  const connected = new Promise<string>((resolve, reject) => {
    client.onConnect = (frame) => resolve(frame.headers.version);
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketError = () => reject(new Error('websocket error'));
  });
  client.activate();
  try {
    expect(await connected).toBe('1.2');
    const body = JSON.stringify({ requestId: 'r-1', text: 'Grüße aus 東京 🎥', nul: 'a:b\\c' });
    const got = new Promise<void>((resolve) => {
      client.subscribe('/topic/interop', (m) => {
        received.push(m);
        resolve();
      }, { id: 'sub-interop' });
    });
    // SUBSCRIBE and SEND go out in order on one socket, so the subscription exists when SEND arrives.
    client.publish({ destination: '/topic/interop', body, headers: { 'x-escaped': 'a:b\nc\\d' } });
    await got;
    expect(received).toHaveLength(1);
    expect(received[0].body).toBe(body);
    expect(received[0].headers['x-escaped']).toBe('a:b\nc\\d');
    expect(received[0].headers.subscription).toBe('sub-interop');
    expect(received[0].headers['content-length']).toBe(String(Buffer.byteLength(body)));
    // Heart-beats both ways (100 ms) keep the session alive past several intervals.
    await new Promise((r) => setTimeout(r, 500));
    expect(client.connected).toBe(true);
  } finally {
    await client.deactivate();
  }
});
