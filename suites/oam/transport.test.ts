import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';
import { showHeaders } from '../stomp/flows.ts';
import { OamClient, SERVICE, checkSuccess, rest } from './flows.ts';

describe.concurrent('O-1 endpoints', () => {
  conformanceCase(
    { id: 'O-1.1', title: 'STOMP 1.2 over WebSocket is served at /ws', expected: 'a WebSocket handshake at /ws and CONNECT answered by CONNECTED version:1.2' },
    async (c) => {
      c.check(new URL(c.target.oam.url).pathname === '/ws', 'the STOMP endpoint path /ws', new URL(c.target.oam.url).pathname);
      const s = await c.stomp('OAM', {}, c.target.oam);
      const answer = await s.connect();
      c.check(answer?.command === 'CONNECTED' && header(answer, 'version') === '1.2', 'CONNECTED version:1.2', showHeaders(answer, s));
    },
  );

  conformanceCase(
    { id: 'O-1.2', title: 'the WebSocket is secure (wss)', expected: 'the endpoint is served over TLS: wss://' },
    async (c) => {
      const scheme = new URL(c.target.oam.url).protocol;
      c.check(scheme === 'wss:', 'wss:', scheme);
      const ws = await RecordingWebSocket.open(c.target.oam.url, { protocols: ['v12.stomp'], insecure: c.target.oam.insecure });
      await ws.close();
    },
  );

  conformanceCase(
    { id: 'O-1.3', title: 'REST is served on the same port as /ws, over HTTPS', expected: 'POST /api/metric/list on the host:port of /ws answers with a JSON envelope' },
    async (c) => {
      const ws = new URL(c.target.oam.url);
      const api = new URL(c.target.oam.restUrl);
      c.check(api.port === ws.port && api.hostname === ws.hostname, `REST on ${ws.host}`, `REST on ${api.host}`);
      c.check(api.protocol === 'https:', 'https:', api.protocol);
      const r = await rest(c, '/api/metric/list', {});
      checkSuccess(c, '/api/metric/list', r.json as never);
    },
  );
});

describe.concurrent('O-2 subscriptions', () => {
  for (const [id, destination] of [['O-2.1', '/alarm'], ['O-2.2', SERVICE]] as const) {
    conformanceCase(
      { id, title: `SUBSCRIBE ${destination} is accepted`, expected: `SUBSCRIBE destination:${destination} with a receipt gets RECEIPT, no ERROR` },
      async (c) => {
        const s = await c.stomp('OAM', {}, c.target.oam);
        await s.connectOrThrow();
        s.subscribe(destination, 'sub-0', { receipt: 'subscribed' });
        const answer = await s.nextFrame(c.target.oam.timeouts.responseMs, (f) => f.command === 'RECEIPT' || f.command === 'ERROR');
        c.check(answer?.command === 'RECEIPT', `RECEIPT for SUBSCRIBE ${destination}`, showHeaders(answer, s));
      },
    );
  }

  conformanceCase(
    {
      id: 'O-2.3',
      title: 'SUBSCRIBE /alarms (the prose spelling) — documented inconsistency',
      level: 'INFO',
      requirement: 'Seed 000 prose says "/alarms" while every frame example uses "/alarm" (canonical). Recorded, never failed.',
      expected: 'recorded: whether the server accepts /alarms as well',
    },
    async (c) => {
      const s = await c.stomp('OAM', {}, c.target.oam);
      await s.connectOrThrow();
      s.subscribe('/alarms', 'sub-0', { receipt: 'subscribed' });
      const answer = await s.nextFrame(c.target.oam.timeouts.responseMs, (f) => f.command === 'RECEIPT' || f.command === 'ERROR');
      c.measure('/alarms', answer?.command ?? 'no answer');
      c.check(answer?.command === 'RECEIPT', 'RECEIPT (accepted)', showHeaders(answer, s));
    },
  );

  conformanceCase(
    { id: 'O-2.4', title: 'the documented connection sequence works end to end', expected: 'CONNECT, SUBSCRIBE /alarm (sub-0), SUBSCRIBE /user/service (sub-1), then a request is answered' },
    async (c) => {
      const oam = await OamClient.open(c);
      oam.s.subscribe('/alarm', 'sub-0');
      const a = await oam.call('/api/metric/list', { id: '3' });
      checkSuccess(c, '/api/metric/list', a.body);
    },
  );
});

function declaredConnectTimeout(c: CaseContext): number {
  const limit = c.target.oam.settings.stomp_max_timeout;
  if (!limit) return c.skip('the target declares no stomp_max_timeout (target file: oam.settings.stomp_max_timeout)');
  return limit;
}

describe.concurrent('O-10 stomp_max_timeout', () => {
  conformanceCase(
    {
      id: 'O-10.1',
      title: 'a WebSocket that never sends CONNECT is closed after stomp_max_timeout',
      requirement: 'stomp_max_timeout (ms): a WebSocket that does not complete the STOMP CONNECT within it is closed (inferred reading of "websocket connection timeout").',
      expected: 'the server closes the idle WebSocket within stomp_max_timeout + 50% + 500 ms',
    },
    async (c) => {
      const limit = declaredConnectTimeout(c);
      const ws = await RecordingWebSocket.open(c.target.oam.url, { protocols: ['v12.stomp'], insecure: c.target.oam.insecure }, 'idle WebSocket');
      c.transcripts.push(ws.transcript);
      const bound = limit * 1.5 + 500;
      const closed = await ws.waitClosed(bound);
      if (!closed) await ws.close();
      c.measure('stomp_max_timeout (ms)', limit);
      c.measure('closed after (ms)', closed ? closed.at.toFixed(0) : `still open after ${bound}`);
      c.check(!!closed && closed.by === 'server', `closed by the server within ${bound} ms`, closed ? `closed by the ${closed.by}` : 'still open');
      c.check(closed!.at >= limit * 0.9, `not before ${limit} ms`, `closed after ${closed!.at.toFixed(0)} ms`);
    },
  );

  conformanceCase(
    {
      id: 'O-10.2',
      title: 'a session that completed CONNECT outlives stomp_max_timeout',
      expected: 'a connected session is still open after stomp_max_timeout + 50%',
    },
    async (c) => {
      const limit = declaredConnectTimeout(c);
      const oam = await OamClient.open(c);
      await oam.s.ws.wait(limit * 1.5);
      c.check(oam.s.isOpen, 'still open', 'closed');
      const a = await oam.call('/api/metric/list', { id: '3' });
      checkSuccess(c, '/api/metric/list', a.body);
    },
  );
});
