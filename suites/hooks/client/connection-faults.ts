import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../../src/case.ts';
import type { Delivery } from '../../../src/hooks/fault-backend.ts';
import type { WcsInstance } from '../../../src/target/target.ts';
import { FlowError } from '../../../src/transport/stomp-session.ts';
import { instance, session, settledDeliveries, type WcsClient } from './flows.ts';

/**
 * Client-role cases of faults below HTTP (issue 19): inactivity versus deadline (H-10), half answers, stale
 * keep-alive connections and sends that fail part-way (H-12, H-13). Each says what Apache HttpClient 4.5.14, the
 * library WCS uses, does in its situation (docs/hook-client.md). Declared from client.test.ts, so that they run in
 * the worker of the other client-role cases.
 */
const slack = (timeoutMs: number) => Math.max(500, timeoutMs * 0.25);
const FAIL_ON_DATA = { OnDataEvent: { restOnError: 'FAIL' } };

export function httpClient4(c: CaseContext, text: string): void {
  c.measure('HttpClient 4.5.14 does', text);
}

const timed = (s: WcsInstance['settings']) => s.rest_request_timeout > 0 && s.rest_request_timeout <= 5 && !s.disable_rest_requests;

/**
 * A session whose connect is answered keep-alive, the backend then closing that idle connection (`how`), and an
 * OnDataEvent sent right after, well within the 2 s after which HttpClient 4 checks a pooled connection before reuse.
 * Returns what the client reported and what the backend saw of the OnDataEvent.
 */
async function afterIdleClose(c: CaseContext, wcs: WcsInstance, how: 'fin' | 'rst') {
  const timeoutMs = wcs.settings.rest_request_timeout * 1000;
  const client = await session(c, wcs, { connect: { kind: 'idle-close', afterMs: 150, how, restClientConfig: FAIL_ON_DATA } });
  const st = await client.event('ConnectionStatusEvent', 5000);
  if (st?.data.status !== 'ESTABLISHED') throw new FlowError(`the connection was not established: ${JSON.stringify(st?.data ?? 'no ConnectionStatusEvent')}`);
  let connect: Delivery | undefined;
  for (let i = 0; i < 60 && !connect?.idleClosedAt; i++) {
    await new Promise((r) => setTimeout(r, 25));
    connect = (await client.deliveries()).find((d) => d.method === 'connect');
  }
  if (!connect?.idleClosedAt) c.skip('the client closed the connection of its connect hook itself (no keep-alive): there is no idle connection for the backend to close');
  c.measure('backend closed the idle connection after (ms)', connect.idleClosedAt - (connect.lastOctetAt ?? connect.arrivedAt));
  const sentAt = Date.now();
  client.sendData({ n: 1 });
  const outcome = await firstOf(client, timeoutMs + slack(timeoutMs) + 3000);
  await new Promise((r) => setTimeout(r, 300));
  const all = (await client.requests()).filter((d) => d.method === 'OnDataEvent');
  const stale = all.filter((d) => d.stale);
  const delivered = all.filter((d) => !d.stale);
  c.measure('OnDataEvent sent after the close (ms)', sentAt - connect.idleClosedAt);
  c.measure('attempts on the closed connection', stale.length);
  c.measure('OnDataEvent deliveries', delivered.length);
  c.measure('client saw', outcome ? `${outcome.name}${outcome.info ? ` (${outcome.info})` : ''} after ${outcome.at - sentAt} ms` : 'nothing');
  return { client, outcome, stale, delivered };
}

/** The first of ErrorEvent / DataStatusEvent, whichever the client gets. */
async function firstOf(client: WcsClient, withinMs: number): Promise<{ name: string; info?: string; at: number } | undefined> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const e = await client.event('ErrorEvent', 50);
    if (e) return { name: 'ErrorEvent', info: String(e.data.info ?? ''), at: e.at };
    const d = await client.event('DataStatusEvent', 0);
    if (d) return { name: 'DataStatusEvent', info: String(d.data.status ?? ''), at: d.at };
  }
  return undefined;
}

export function connectionFaultCases(): void {
  // Faults that hurt only the connection they happen on: these cases run concurrently.
  describe.concurrent('H-10 / H-12 inactivity, half answers', () => {
    conformanceCase(
      { id: 'H-10.5', title: 'a backend that goes silent after its head and a first body chunk: the client gives up ≈ the timeout after the last octet', expected: 'head at once, a body chunk every 0.6 × timeout, silent after the second piece: FAILED rest_request_timeout (- max(150 ms, 10%), + max(500 ms, 25%)) after the backend\'s last octet, one delivery', timeoutMs: 25_000 },
      async (c) => {
        const wcs = instance(c, timed, 'a rest_request_timeout of 5 s or less');
        const timeoutMs = wcs.settings.rest_request_timeout * 1000;
        httpClient4(c, 'gives up ≈ the timeout after the last octet it read: the socket timeout is per read (SocketTimeoutException: Read timed out), not retried');
        const client = await session(c, wcs, { connect: { kind: 'trickle', intervalMs: Math.round(timeoutMs * 0.6), headChunks: 1, bodyChunks: 4, silentAfter: 3 } });
        const st = await client.event('ConnectionStatusEvent', timeoutMs * 3 + 3000);
        const all = await settledDeliveries(client, 'connect', 300);
        const d = all[0];
        if (!d?.lastOctetAt) throw new FlowError('the backend sent nothing of its answer');
        if (d.lastOctetAt - d.arrivedAt < timeoutMs * 0.5) c.measure('pieces sent before the client gave up', 'only the head');
        const gaveUp = (st?.at ?? Date.now()) - d.lastOctetAt;
        c.measure('rest_request_timeout (ms)', timeoutMs);
        c.measure('last octet after (ms)', d.lastOctetAt - d.arrivedAt);
        c.measure('give-up after the last octet (ms)', gaveUp);
        c.measure('client saw', JSON.stringify(st?.data ?? 'no ConnectionStatusEvent'));
        c.check(st?.data.status === 'FAILED', 'the connection FAILED', JSON.stringify(st?.data ?? 'no ConnectionStatusEvent'));
        c.check(all.length === 1, 'one delivery', `${all.length} deliveries`);
        // Measured give-up times can only come out late (the last octet reaches the client after the backend wrote it,
        // the event reaches the harness after the client sent it): early, the tolerance is small.
        const early = Math.max(150, timeoutMs * 0.1);
        c.checkTiming(gaveUp >= timeoutMs - early && gaveUp <= timeoutMs + slack(timeoutMs), `give-up ${timeoutMs} ms (- ${early}, + ${slack(timeoutMs)}) after the backend's last octet`, `${gaveUp} ms after it (${(st?.at ?? Date.now()) - d.arrivedAt} ms after the delivery)`, { toleranceMs: slack(timeoutMs), window: [d.arrivedAt, st?.at ?? Date.now()], stallsMs: [d.stallMs] });
      },
    );

    conformanceCase(
      { id: 'H-10.6', level: 'INFO', title: 'a backend that keeps sending within the timeout: inactivity (waited for) or deadline (given up)', expected: 'the answer trickled over 4 × rest_request_timeout, a piece every 0.5 × timeout: ESTABLISHED after ≈ 4 × timeout (inactivity, as HttpClient 4); recorded either way', timeoutMs: 35_000 },
      async (c) => {
        const wcs = instance(c, timed, 'a rest_request_timeout of 5 s or less');
        const timeoutMs = wcs.settings.rest_request_timeout * 1000;
        httpClient4(c, 'inactivity: waits, 200 after 4.0 s with a 1 s timeout (the socket timeout is per read, not a deadline)');
        const client = await session(c, wcs, { connect: { kind: 'trickle', intervalMs: Math.round(timeoutMs / 2), headChunks: 1, bodyChunks: 8 } });
        const st = await client.event('ConnectionStatusEvent', timeoutMs * 4 + 5000);
        const [d] = await settledDeliveries(client, 'connect', 0);
        if (!d || !st) throw new FlowError(`no ${d ? 'ConnectionStatusEvent' : 'connect delivery'}`);
        const after = st.at - d.arrivedAt;
        const applied = st.data.status === 'ESTABLISHED' ? 'inactivity' : 'deadline';
        c.measure('timeout applied', `${applied} (${st.data.status} after ${after} ms)`);
        c.observe(`${applied}: ${st.data.status} after ${after} ms of an answer trickled over ${timeoutMs * 4} ms (HttpClient 4: inactivity, waited for)`);
        c.check(applied === 'inactivity', `ESTABLISHED after ≈ ${timeoutMs * 4} ms (an inactivity timeout)`, `${st.data.status} after ${after} ms: ${applied === 'deadline' ? 'a deadline' : ''} ${String(st.data.info ?? '')}`);
      },
    );

    conformanceCase(
      { id: 'H-12.4', title: 'a response head and half its body, then FIN: the hook fails once, never retried', expected: 'connect answered with Content-Length N and N/2 octets, then FIN: one delivery, the connection FAILED', timeoutMs: 20_000 },
      async (c) => {
        const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'retries enabled (sent-retry on, count > 0)');
        httpClient4(c, '1 delivery, ConnectionClosedException: Premature end of Content-Length delimited message body, never retried (the body is read outside the retry handler)');
        const client = await session(c, wcs, { connect: { kind: 'half' } });
        const st = await client.event('ConnectionStatusEvent', 8000);
        const all = await settledDeliveries(client, 'connect', 1000);
        c.measure('client saw', JSON.stringify(st?.data ?? 'no ConnectionStatusEvent'));
        if (!all[0]?.lastOctetAt) throw new FlowError('the backend sent no half answer');
        c.check(all.length === 1, 'one delivery (a half answer is not retried)', `${all.length} deliveries`);
        c.check(st?.data.status === 'FAILED', 'FAILED', JSON.stringify(st?.data ?? 'no ConnectionStatusEvent'));
      },
    );
  });

  // Each stale-connection case in a sequential describe of its own: those run after every concurrent case of the file,
  // one after another, so that no other case's hook takes (or is hurt by) the pooled connection the backend closed.
  describe.sequential('H-12 a retry on a closed keep-alive connection is an attempt, not a delivery', () => {
    conformanceCase(
      { id: 'H-12.5', title: 'the backend closed an idle keep-alive connection: the next hook is still delivered, once', expected: 'connect answered keep-alive, the idle connection then closed (FIN), OnDataEvent 0.2 s later (restOnError FAIL): one OnDataEvent delivery, no ErrorEvent', timeoutMs: 20_000 },
      async (c) => {
        const wcs = instance(c, (s) => s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'retries enabled (sent-retry on, count > 0)');
        httpClient4(c, 'writes the hook on the closed connection (no check within 2 s of its last use), gets NoHttpResponseException, retries on a new one: 2 attempts, 1 delivery');
        const { outcome, delivered, stale } = await afterIdleClose(c, wcs, 'fin');
        if (!outcome) throw new FlowError('the client reported nothing about the OnDataEvent (neither DataStatusEvent nor ErrorEvent)');
        if (stale.length === 0) c.note('the client did not write the hook on the closed connection (it checks connections before reuse): delivered once all the same');
        c.check(delivered.length === 1 && outcome.name !== 'ErrorEvent', 'one OnDataEvent delivery and no ErrorEvent', `${delivered.length} deliveries, ${outcome.name}${outcome.info ? ` ${outcome.info}` : ''}`);
      },
    );
  });

  describe.sequential('H-13 sent-retry off: a hook sent whole on a closed keep-alive connection is not retried', () => {
    conformanceCase(
      { id: 'H-13.2', title: 'sent-retry off: a hook written on a keep-alive connection the backend had closed is not retried', expected: 'the backend read the OnDataEvent on the connection it had closed (FIN), without answering: no delivery after it, the failure reported (restOnError FAIL: ErrorEvent)', timeoutMs: 20_000 },
      async (c) => {
        const wcs = instance(c, (s) => !s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=false, count > 0');
        httpClient4(c, 'the hook is lost: 1 attempt on the closed connection, 0 deliveries, NoHttpResponseException: <host:port> failed to respond logged at once');
        const { outcome, delivered, stale } = await afterIdleClose(c, wcs, 'fin');
        if (stale.length === 0 && delivered.length <= 1) c.skip('the client did not write the hook on the closed connection (it checks connections before reuse): nothing was sent whole without an answer');
        c.check(delivered.length === 0, 'no delivery after the attempt on the closed connection (not retried)', `${delivered.length} deliveries after ${stale.length} attempt(s) on the closed connection`);
        c.check(outcome?.name === 'ErrorEvent', 'the failure reported to the client (ErrorEvent, restOnError FAIL)', outcome ? `${outcome.name} ${outcome.info ?? ''}` : 'nothing');
      },
    );
  });

  describe.sequential('H-13 sent-retry off: a hook whose sending failed is retried (reset keep-alive connection)', () => {
    conformanceCase(
      { id: 'H-13.3', title: 'sent-retry off: a keep-alive connection reset by the backend while idle; the next hook is retried and delivered', expected: 'connect answered keep-alive, the idle connection then reset (RST), OnDataEvent 0.2 s later (restOnError FAIL): one OnDataEvent delivery, no ErrorEvent', timeoutMs: 20_000 },
      async (c) => {
        const wcs = instance(c, (s) => !s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=false, count > 0');
        httpClient4(c, 'the write on the reset connection fails (SocketException: Connection reset): not sent, so retried whatever the flag: 2 attempts, 1 delivery');
        const { outcome, delivered } = await afterIdleClose(c, wcs, 'rst');
        if (!outcome) throw new FlowError('the client reported nothing about the OnDataEvent (neither DataStatusEvent nor ErrorEvent)');
        c.check(delivered.length === 1 && outcome.name !== 'ErrorEvent', 'one OnDataEvent delivery and no ErrorEvent', `${delivered.length} deliveries, ${outcome.name}${outcome.info ? ` ${outcome.info}` : ''}`);
      },
    );
  });

  // Alone too: the 8 MiB hook keeps the reference WCS's process busy for a while, which would skew the timing cases.
  describe.sequential('H-13 sent-retry off: a send that fails part-way is retried', () => {
    conformanceCase(
      { id: 'H-13.4', title: 'sent-retry off: the backend closes after reading the headers of an 8 MiB hook: retried, 1 + count attempts', expected: 'OnDataEvent of 8 MiB, the backend closing after its head and first chunk every time (restOnError FAIL): 1 + rest_client_request_retry_count attempts, then ErrorEvent', timeoutMs: 25_000 },
      async (c) => {
        const wcs = instance(c, (s) => !s.rest_client_request_sent_retry_enabled && s.rest_client_request_retry_count > 0 && !s.disable_rest_requests, 'rest_client_request_sent_retry_enabled=false, count > 0');
        const expected = 1 + wcs.settings.rest_client_request_retry_count;
        httpClient4(c, `the send fails part-way (SocketException), so the request was not sent: retried whatever the flag, ${expected} attempts`);
        const client = await session(c, wcs, { connect: { kind: 'answer', restClientConfig: FAIL_ON_DATA }, OnDataEvent: { kind: 'close-after-headers' } });
        const st = await client.event('ConnectionStatusEvent', 5000);
        if (st?.data.status !== 'ESTABLISHED') throw new FlowError(`the connection was not established: ${JSON.stringify(st?.data ?? 'no ConnectionStatusEvent')}`);
        // 8 MiB: more than loopback's socket buffers hold (a 4 MiB send buffer and the receive window of a backend
        // that does not read), so that the send cannot complete before the backend closes, under any load.
        client.sendData({ blob: 'x'.repeat(8 * 1024 * 1024) });
        const outcome = await firstOf(client, 15_000);
        await new Promise((r) => setTimeout(r, 500));
        const attempts = (await client.requests()).filter((d) => d.method === 'OnDataEvent');
        c.measure('attempts', attempts.length);
        c.measure('octets read per attempt', attempts.map((d) => d.bodyBytes).join(', '));
        c.measure('client saw', outcome ? `${outcome.name} ${outcome.info ?? ''}` : 'nothing');
        if (attempts.length === 0) throw new FlowError('the 8 MiB OnDataEvent never reached the backend');
        if (attempts.some((d) => d.complete)) throw new FlowError('the backend read a whole body: the fault did not apply');
        c.check(attempts.length === expected, `${expected} attempts (1 + ${wcs.settings.rest_client_request_retry_count}: not sent, so retried)`, `${attempts.length} attempts`);
      },
    );
  });
}
