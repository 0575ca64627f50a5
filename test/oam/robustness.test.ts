import { afterAll, beforeAll, expect, test } from 'vitest';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { bodyText } from '../../src/stomp/index.ts';
import { StompSession } from '../../src/transport/stomp-session.ts';

let server: RunningOamServer;
beforeAll(async () => {
  server = await startOamServer({ tls: true });
});
afterAll(() => server.close());

async function session(label: string): Promise<StompSession> {
  const s = await StompSession.open({ url: server.stompUrl, insecure: true }, label);
  await s.connectOrThrow();
  await s.subscribeAndWait('/user/service', 'sub-1');
  return s;
}

/** Bad input gets a documented error response or ERROR-then-close, never a crash: another session still works. */
test.each([
  ['malformed JSON', 'SEND\ndestination:/app/api/metric/list\n\n{"requestId": "x", \0', 'error-response'],
  ['a missing requestId', `SEND\ndestination:/app/api/metric/list\n\n${JSON.stringify({ realm: '/api/metric/list', payload: {} })}\0`, 'error-response'],
  ['an unknown realm', `SEND\ndestination:/app/api/unknown\n\n${JSON.stringify({ requestId: 'u1', realm: '/api/unknown', payload: {} })}\0`, 'error-response'],
  ['a wrong content-length', `SEND\ndestination:/app/api/metric/list\ncontent-length:5\n\n${JSON.stringify({ requestId: 'c1', realm: '/api/metric/list', payload: {} })}\0`, 'error-then-close'],
  ['a payload of the wrong type', `SEND\ndestination:/app/api/profile/create\n\n${JSON.stringify({ requestId: 'p1', realm: '/api/profile/create', payload: 42 })}\0`, 'error-response'],
] as const)('%s: %s', async (_what, frame, expected) => {
  const offender = await session('offender');
  offender.sendRaw(frame);
  const answer = await offender.nextFrame(2000, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
  if (expected === 'error-response') {
    expect(answer?.command, offender.transcript.render()).toBe('MESSAGE');
    const body = JSON.parse(bodyText(answer!));
    expect(body.status).toBeGreaterThanOrEqual(400);
    expect(body.reason).toBeTruthy();
  } else {
    expect(answer?.command).toBe('ERROR');
    expect(await offender.waitClosed(2000)).toMatchObject({ by: 'server' });
  }
  const other = await session('bystander');
  other.send({ command: 'SEND', headers: { destination: '/app/api/metric/list' }, body: JSON.stringify({ requestId: 'ok', realm: '/api/metric/list', payload: { id: '3' } }) });
  const ok = await other.nextCommand('MESSAGE', 2000);
  expect(JSON.parse(bodyText(ok!))).toMatchObject({ requestId: 'ok', status: 200, reason: 'SUCCESS' });
  await Promise.all([offender.close(), other.close()]);
});
