import { hookAuthorization } from '../../../src/hooks/signature.ts';
import { describe } from 'vitest';
import { FlowError } from '../../../src/transport/stomp-session.ts';
import { conformanceCase } from '../../../src/case.ts';
import { problems } from '../../../src/schemas.ts';
import { connectionFaultCases, httpClient4 } from './connection-faults.ts';
import { instance, session, settledDeliveries } from './flows.ts';

/** Tolerance on give-up times: the client's timer, the event loop and loopback latency. */
const slack = (timeoutMs: number) => Math.max(500, timeoutMs * 0.25);

describe.concurrent('H-1 hook requests (client role: the harness plays the backend)', () => {
  conformanceCase(
    { id: 'H-1.4', title: 'connect is POST <app>/connect, JSON, with nodeId, appKey and sessionId', expected: 'one POST …/connect, Content-Type application/json, a body with the three context fields and the custom data' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs);
      await client.event('ConnectionStatusEvent', 5000);
      const [d] = await settledDeliveries(client, 'connect', 0);
      c.check(!!d, 'a connect hook', 'no delivery');
      c.check(/^application\/json\b/i.test(String(d.headers['content-type'])), 'Content-Type application/json', String(d.headers['content-type']));
      const body = JSON.parse(d.body);
      c.check(problems('hooks', 'hookRequest', body).length === 0, 'nodeId, appKey, sessionId', d.body.slice(0, 200));
      c.check(body.custom?.rtcCase === client.marker, 'the custom data of the connection', JSON.stringify(body.custom));
    },
  );

  conformanceCase(
    { id: 'H-1.5', title: 'sendData becomes POST <app>/OnDataEvent with the context fields and the payload', expected: 'an OnDataEvent hook carrying nodeId, appKey, sessionId, operationId and payload' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs);
      await client.event('ConnectionStatusEvent', 5000);
      const op = client.sendData({ text: 'Grüße 東京' });
      await client.event('DataStatusEvent', 5000);
      const [d] = await settledDeliveries(client, 'OnDataEvent', 0);
      c.check(!!d, 'an OnDataEvent hook', 'no delivery');
      const body = JSON.parse(d.body);
      c.check(problems('hooks', 'hookRequest', body).length === 0 && body.operationId === op && body.payload?.text === 'Grüße 東京', `context fields, operationId ${op}, the payload`, d.body.slice(0, 300));
    },
  );
});

describe.concurrent('H-10 rest_request_timeout', () => {
  conformanceCase(
    { id: 'H-10.1', title: 'a backend slower than the timeout: the client gives up at about the timeout', expected: 'give-up time ≈ rest_request_timeout (± max(500 ms, 25%)), reported to the client as FAILED', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'gives up ≈ the timeout after the request (SocketTimeoutException: Read timed out), reported per restOnError');
      const wcs = instance(c, (s) => s.rest_request_timeout > 0 && s.rest_request_timeout <= 5 && !s.disable_rest_requests, 'a rest_request_timeout of 5 s or less');
      const timeoutMs = wcs.settings.rest_request_timeout * 1000;
      const client = await session(c, wcs, { connect: { kind: 'delay', ms: timeoutMs + 3000 } });
      const failed = await client.event('ConnectionStatusEvent', timeoutMs + 3000);
      const [d] = await settledDeliveries(client, 'connect', 0);
      c.check(!!d, 'a connect delivery', 'none');
      const gaveUp = (failed?.at ?? Date.now()) - d.arrivedAt;
      c.measure('rest_request_timeout (ms)', timeoutMs);
      c.measure('give-up after (ms)', gaveUp);
      c.measure('tolerance (ms)', slack(timeoutMs));
      c.check(failed?.data.status === 'FAILED', 'the connection FAILED after the timeout', JSON.stringify(failed?.data ?? 'no ConnectionStatusEvent'));
      c.checkTiming(Math.abs(gaveUp - timeoutMs) <= slack(timeoutMs), `give-up after ${timeoutMs} ms ± ${slack(timeoutMs)}`, `${gaveUp} ms`, { toleranceMs: slack(timeoutMs), window: [d.arrivedAt, failed?.at ?? Date.now()], stallsMs: [d.stallMs] });
    },
  );

  conformanceCase(
    { id: 'H-10.2', title: 'a read timeout is not retried: one delivery', expected: 'exactly one connect delivery, also after the timeout has passed', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'a read timeout (SocketTimeoutException, an InterruptedIOException) is never retried: 1 delivery');
      const wcs = instance(c, (s) => s.rest_request_timeout > 0 && s.rest_request_timeout <= 5 && !s.disable_rest_requests, 'a rest_request_timeout of 5 s or less');
      const timeoutMs = wcs.settings.rest_request_timeout * 1000;
      const client = await session(c, wcs, { connect: { kind: 'delay', ms: timeoutMs + 3000 } });
      await client.event('ConnectionStatusEvent', timeoutMs + 3000);
      const all = await settledDeliveries(client, 'connect', Math.min(2000, timeoutMs));
      c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
    },
  );
});

describe.concurrent('H-11 rest_request_timeout=0', () => {
  conformanceCase(
    { id: 'H-11.1', title: 'with the timeout disabled the client waits for a late answer', expected: 'a backend answering after 2.5 s: the connection is ESTABLISHED, one delivery', timeoutMs: 20_000 },
    async (c) => {
      const wcs = instance(c, (s) => s.rest_request_timeout === 0 && !s.disable_rest_requests, 'rest_request_timeout=0');
      const client = await session(c, wcs, { connect: { kind: 'delay', ms: 2500 } });
      const status = await client.event('ConnectionStatusEvent', 8000);
      c.check(status?.data.status === 'ESTABLISHED', 'ESTABLISHED after the late answer', JSON.stringify(status?.data ?? 'no ConnectionStatusEvent'));
      const all = await settledDeliveries(client, 'connect', 0);
      c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
    },
  );
});

describe.concurrent('H-12 / H-13 retries of a dropped connection', () => {
  conformanceCase(
    { id: 'H-12.1', title: 'a dropped connection is delivered again at once: 1 + rest_client_request_retry_count in all', expected: '1 + retry count identical deliveries, each within 1 s of the drop before it, then FAILED', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'NoHttpResponseException for each drop, retried at once (no back-off) while sent-retry is on: 1 + count deliveries');
      const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=true');
      const expected = 1 + wcs.settings.rest_client_request_retry_count;
      const client = await session(c, wcs, { connect: { kind: 'drop' } });
      await client.event('ConnectionStatusEvent', 8000);
      const all = await settledDeliveries(client, 'connect', 1000);
      c.check(all.length === expected, `${expected} deliveries (1 + ${wcs.settings.rest_client_request_retry_count})`, `${all.length} deliveries`);
      c.check(new Set(all.map((d) => d.body)).size === 1, 'the same body every time', `${new Set(all.map((d) => d.body)).size} different bodies`);
      // "delivered again at once": no back-off between a drop and the next delivery.
      const gaps = all.slice(1).map((d, i) => d.arrivedAt - (all[i].endedAt ?? all[i].arrivedAt));
      c.measure('gaps between a drop and the next delivery (ms)', gaps.join(', ') || '-');
      c.checkTiming(gaps.every((g) => g < 1000), 'each redelivery within 1 s of the drop (at once)', `gaps ${gaps.join(', ')} ms`, { toleranceMs: 1000, window: [all[0].arrivedAt, all[all.length - 1].arrivedAt], stallsMs: all.map((d) => d.stallMs) });
    },
  );

  conformanceCase(
    { id: 'H-12.3', title: 'a connection reset (RST) without an answer is delivered again like a drop', expected: '1 + retry count deliveries, then FAILED', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'SocketException: Connection reset after the request was sent: retried like a drop while sent-retry is on');
      const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=true');
      const expected = 1 + wcs.settings.rest_client_request_retry_count;
      const client = await session(c, wcs, { connect: { kind: 'reset' } });
      const st = await client.event('ConnectionStatusEvent', 8000);
      const all = await settledDeliveries(client, 'connect', 1000);
      c.check(all.length === expected, `${expected} deliveries`, `${all.length} deliveries`);
      c.check(st?.data.status === 'FAILED', 'FAILED', JSON.stringify(st?.data ?? 'none'));
    },
  );

  conformanceCase(
    { id: 'H-13.1', title: 'with sent-retry disabled a dropped connection is delivered once, the failure reported at once', expected: 'exactly one delivery, then FAILED within 1 s of the drop', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, '1 delivery, then NoHttpResponseException: <host:port> failed to respond logged at once (seed 002)');
      const wcs = instance(c, (s) => !s.rest_client_request_sent_retry_enabled && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=false');
      const client = await session(c, wcs, { connect: { kind: 'drop' } });
      const status = await client.event('ConnectionStatusEvent', 8000);
      const all = await settledDeliveries(client, 'connect', 1000);
      c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
      c.check(status?.data.status === 'FAILED', 'FAILED', JSON.stringify(status?.data ?? 'no ConnectionStatusEvent'));
      const after = status!.at - (all[0].endedAt ?? all[0].arrivedAt);
      c.measure('FAILED after the drop (ms)', after);
      c.checkTiming(after < 1000, 'the failure reported at once (within 1 s of the drop)', `${after} ms`, { toleranceMs: 1000, window: [all[0].arrivedAt, status!.at], stallsMs: [all[0].stallMs] });
    },
  );
});

describe.concurrent('H-14 disable_rest_requests', () => {
  conformanceCase(
    { id: 'H-14.1', title: 'with REST requests disabled no hook is sent', expected: 'connect and sendData produce no delivery at all' },
    async (c) => {
      const wcs = instance(c, (s) => s.disable_rest_requests, 'disable_rest_requests=true');
      const client = await session(c, wcs);
      // The positive control: WCS handled the connection and the data (its status events came), without hooks.
      if (!(await client.event('ConnectionStatusEvent', 5000))) throw new FlowError('no ConnectionStatusEvent: the WCS client API went silent, so the absence of hooks proves nothing');
      client.sendData({});
      if (!(await client.event('DataStatusEvent', 3000))) throw new FlowError('no DataStatusEvent for sendData: the WCS client API went silent, so the absence of hooks proves nothing');
      const all = await settledDeliveries(client, 'connect', 500);
      const data = (await client.deliveries()).length;
      c.check(all.length === 0 && data === 0, 'no delivery', `${data} deliveries`);
    },
  );
});

describe.concurrent('H-15 errors of event hooks', () => {
  conformanceCase(
    { id: 'H-15.1', title: 'by default a non-200 answer to an event is ignored', expected: 'OnDataEvent answered 500: no ErrorEvent to the client' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, { OnDataEvent: { kind: 'status', status: 500 } });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      const error = await client.event('ErrorEvent', c.target.hooks.client.timeouts.responseMs);
      // The positive control: the event hook was delivered (and answered 500), so the silence is the client's choice.
      const delivered = (await client.deliveries()).filter((d) => d.method === 'OnDataEvent').length;
      if (!error && delivered === 0) throw new FlowError('the OnDataEvent hook was never delivered: without it, no ErrorEvent proves nothing');
      c.check(!error, 'no ErrorEvent', JSON.stringify(error?.data));
    },
  );

  conformanceCase(
    { id: 'H-15.2', title: 'with restOnError FAIL the client receives an ErrorEvent', expected: 'restClientConfig {OnDataEvent: {restOnError: FAIL}}, OnDataEvent answered 500 → ErrorEvent' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, {
        connect: { kind: 'answer', restClientConfig: { OnDataEvent: { restOnError: 'FAIL' } } },
        OnDataEvent: { kind: 'status', status: 500 },
      });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      const error = await client.event('ErrorEvent', c.target.hooks.client.timeouts.responseMs * 2);
      c.check(!!error, 'an ErrorEvent', 'none');
    },
  );
});

describe.concurrent('H-16 statuses and refusals are not retried', () => {
  for (const [id, status] of [['H-16.1', 500], ['H-16.2', 404]] as const) {
    conformanceCase(
      { id, title: `HTTP ${status} to connect is an answer: never retried`, expected: `one delivery, the connection FAILED` },
      async (c) => {
        httpClient4(c, 'an HTTP status is a response: never retried');
        const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'retries enabled');
        const client = await session(c, wcs, { connect: { kind: 'status', status } });
        const st = await client.event('ConnectionStatusEvent', 5000);
        const all = await settledDeliveries(client, 'connect', 500);
        c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
        c.check(st?.data.status === 'FAILED', 'FAILED', JSON.stringify(st?.data ?? 'none'));
      },
    );
  }

  conformanceCase(
    { id: 'H-16.3', title: 'a refused connection fails at once, not after retries', expected: 'an application URL that refuses connections: FAILED within 1 s' },
    async (c) => {
      httpClient4(c, 'HttpHostConnectException (a ConnectException): never retried, fails at once');
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const appKey = c.target.hooks.client.refusedAppKey;
      if (!appKey) return c.skip('the target declares no application that refuses connections (hooks.client.refusedAppKey)');
      const client = new (await import('./flows.ts')).WcsClient(c, wcs);
      await client.connect(appKey);
      // Timed from the `connection` message, not from opening the WebSocket: the harness's own latency is not the target's.
      const started = client.connectSentAt;
      const st = await client.event('ConnectionStatusEvent', 5000);
      c.measure('FAILED after (ms)', st ? st.at - started : 'never');
      c.check(st?.data.status === 'FAILED', 'FAILED', st ? `${st.data.status} after ${st.at - started} ms` : 'no ConnectionStatusEvent');
      const after = st!.at - started;
      // The backend's stalls are asked for only when the timing fails: a passing case makes no extra exchange.
      const backendStall = after < 1000 ? 0 : await c.serversStall(started, st!.at);
      c.checkTiming(after < 1000, 'FAILED within 1 s', `FAILED after ${after} ms`, { toleranceMs: 1000, window: [started, st!.at], stallsMs: [backendStall] });
    },
  );
});

describe.concurrent('H-5 / H-6 as the client sees them', () => {
  conformanceCase(
    { id: 'H-5.3', title: 'a refusal body {status, reason} sets the reason shown to the client', expected: 'connect answered 403 {status, reason: "rtc says no"} → FAILED with info "rtc says no"' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, { connect: { kind: 'status', status: 403, body: { status: 403, reason: 'rtc says no' } } });
      const st = await client.event('ConnectionStatusEvent', 5000);
      c.check(st?.data.status === 'FAILED' && st.data.info === 'rtc says no', 'FAILED, info "rtc says no"', JSON.stringify(st?.data ?? 'none'));
    },
  );

  conformanceCase(
    { id: 'H-5.4', title: 'any other refusal body falls back to the status-line reason', expected: 'connect answered 403 {"error": …} → FAILED with info "Forbidden"' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, { connect: { kind: 'status', status: 403, body: { error: 'nope' } } });
      const st = await client.event('ConnectionStatusEvent', 5000);
      c.check(st?.data.status === 'FAILED' && st.data.info === 'Forbidden', 'FAILED, info "Forbidden"', JSON.stringify(st?.data ?? 'none'));
    },
  );

  conformanceCase(
    { id: 'H-6.4', title: 'with rest_hook_send_hash the client signs each hook', expected: 'Authorization: WCS <hex HMAC-MD5 of the body with rest_hook_secret_key>' },
    async (c) => {
      const wcs = instance(c, (s) => Boolean(s.rest_hook_send_hash && s.rest_hook_secret_key) && !s.disable_rest_requests, 'rest_hook_send_hash and rest_hook_secret_key');
      const client = await session(c, wcs);
      await client.event('ConnectionStatusEvent', 5000);
      const [d] = await settledDeliveries(client, 'connect', 0);
      const expected = hookAuthorization(d.body, wcs.settings.rest_hook_secret_key!);
      c.check(d.headers.authorization === expected, 'the HMAC-MD5 signature of the body', String(d.headers.authorization ?? '(no Authorization header)'));
    },
  );
});

describe.concurrent('client role: events and per-method configuration', () => {
  conformanceCase(
    { id: 'H-10.3', title: 'an event that times out is handled per restOnError: FAIL → ErrorEvent at about the timeout', expected: 'OnDataEvent slower than the timeout, restOnError FAIL: ErrorEvent ≈ rest_request_timeout after the delivery', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'SocketTimeoutException ≈ the timeout after the delivery, then restOnError FAIL → ErrorEvent');
      const wcs = instance(c, (s) => s.rest_request_timeout > 0 && s.rest_request_timeout <= 5 && !s.disable_rest_requests, 'a rest_request_timeout of 5 s or less');
      const timeoutMs = wcs.settings.rest_request_timeout * 1000;
      const client = await session(c, wcs, {
        connect: { kind: 'answer', restClientConfig: { OnDataEvent: { restOnError: 'FAIL' } } },
        OnDataEvent: { kind: 'delay', ms: timeoutMs + 3000 },
      });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      const error = await client.event('ErrorEvent', timeoutMs + 3000);
      const [d] = await settledDeliveries(client, 'OnDataEvent', 0);
      c.check(!!error && !!d, 'an ErrorEvent after the timed-out OnDataEvent', error ? 'no delivery' : 'no ErrorEvent');
      const gaveUp = error!.at - d.arrivedAt;
      c.measure('give-up after (ms)', gaveUp);
      c.checkTiming(Math.abs(gaveUp - timeoutMs) <= slack(timeoutMs), `ErrorEvent ${timeoutMs} ms ± ${slack(timeoutMs)} after the delivery`, `${gaveUp} ms`, { toleranceMs: slack(timeoutMs), window: [d.arrivedAt, error!.at], stallsMs: [d.stallMs] });
    },
  );

  conformanceCase(
    { id: 'H-10.4', title: 'an event that times out with the default restOnError is only logged', expected: 'OnDataEvent slower than the timeout: no ErrorEvent to the client', timeoutMs: 20_000 },
    async (c) => {
      const wcs = instance(c, (s) => s.rest_request_timeout > 0 && s.rest_request_timeout <= 5 && !s.disable_rest_requests, 'a rest_request_timeout of 5 s or less');
      const timeoutMs = wcs.settings.rest_request_timeout * 1000;
      const client = await session(c, wcs, { OnDataEvent: { kind: 'delay', ms: timeoutMs + 2000 } });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      const error = await client.event('ErrorEvent', timeoutMs + slack(timeoutMs) + 500);
      c.check(!error, 'no ErrorEvent', JSON.stringify(error?.data));
    },
  );

  conformanceCase(
    { id: 'H-12.2', title: 'a dropped event hook is retried too: 1 + retry count OnDataEvent deliveries', expected: 'OnDataEvent dropped every time: 1 + rest_client_request_retry_count identical deliveries', timeoutMs: 20_000 },
    async (c) => {
      httpClient4(c, 'the same for an event hook: 1 + count deliveries');
      const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=true');
      const client = await session(c, wcs, { OnDataEvent: { kind: 'drop' } });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({ n: 1 });
      const all = await settledDeliveries(client, 'OnDataEvent', 1500);
      const expected = 1 + wcs.settings.rest_client_request_retry_count;
      c.check(all.length === expected && new Set(all.map((d) => d.body)).size === 1, `${expected} identical deliveries`, `${all.length} deliveries, ${new Set(all.map((d) => d.body)).size} distinct bodies`);
    },
  );

  conformanceCase(
    { id: 'H-14.2', title: 'with REST requests disabled connections are established without a backend', expected: 'ConnectionStatusEvent ESTABLISHED, nothing delivered' },
    async (c) => {
      const wcs = instance(c, (s) => s.disable_rest_requests, 'disable_rest_requests=true');
      const client = await session(c, wcs, { connect: { kind: 'status', status: 403 } });
      const st = await client.event('ConnectionStatusEvent', 5000);
      c.check(st?.data.status === 'ESTABLISHED', 'ESTABLISHED (the refusing backend is never asked)', JSON.stringify(st?.data ?? 'none'));
    },
  );

  conformanceCase(
    { id: 'H-16.4', title: 'an HTTP 400 to an event hook is not retried', expected: 'OnDataEvent answered 400: one delivery' },
    async (c) => {
      httpClient4(c, 'an HTTP status is a response: never retried');
      const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'retries enabled');
      const client = await session(c, wcs, { OnDataEvent: { kind: 'status', status: 400 } });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      await client.event('DataStatusEvent', 3000);
      const all = await settledDeliveries(client, 'OnDataEvent', 500);
      c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
    },
  );

  conformanceCase(
    { id: 'H-4.3', title: 'restPolicy DISABLE in the connect answer stops that hook', expected: 'restClientConfig {OnDataEvent: {restPolicy: DISABLE}}: sendData produces no OnDataEvent delivery' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, { connect: { kind: 'answer', restClientConfig: { OnDataEvent: { restPolicy: 'DISABLE' } } } });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      await client.event('DataStatusEvent', 3000);
      const all = await settledDeliveries(client, 'OnDataEvent', 300);
      c.check(all.length === 0, 'no OnDataEvent delivery', `${all.length} deliveries`);
    },
  );

  conformanceCase(
    { id: 'H-4.4', title: 'restOnError LOG (explicit) keeps event errors from the client', expected: 'restClientConfig {OnDataEvent: {restOnError: LOG}}, OnDataEvent answered 500: no ErrorEvent' },
    async (c) => {
      const wcs = instance(c, (s) => !s.disable_rest_requests, 'hooks enabled');
      const client = await session(c, wcs, {
        connect: { kind: 'answer', restClientConfig: { OnDataEvent: { restOnError: 'LOG' } } },
        OnDataEvent: { kind: 'status', status: 500 },
      });
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({});
      const error = await client.event('ErrorEvent', c.target.hooks.client.timeouts.responseMs);
      c.check(!error, 'no ErrorEvent', JSON.stringify(error?.data));
    },
  );

  conformanceCase(
    { id: 'H-6.5', title: 'event hooks are signed too', expected: 'the OnDataEvent delivery carries Authorization: WCS <HMAC-MD5 of its body>' },
    async (c) => {
      const wcs = instance(c, (s) => Boolean(s.rest_hook_send_hash && s.rest_hook_secret_key) && !s.disable_rest_requests, 'rest_hook_send_hash and rest_hook_secret_key');
      const client = await session(c, wcs);
      await client.event('ConnectionStatusEvent', 5000);
      client.sendData({ signed: true });
      await client.event('DataStatusEvent', 3000);
      const [d] = await settledDeliveries(client, 'OnDataEvent', 0);
      c.check(!!d, 'an OnDataEvent delivery', 'none');
      const expected = hookAuthorization(d.body, wcs.settings.rest_hook_secret_key!);
      c.check(d.headers.authorization === expected, 'the HMAC-MD5 signature of the body', String(d.headers.authorization ?? '(no Authorization header)'));
    },
  );
});

connectionFaultCases();
