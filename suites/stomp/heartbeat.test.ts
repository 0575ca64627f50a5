import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { FlowError, type StompSession } from '../../src/transport/stomp-session.ts';
import { connected, expectMessage, proveServed, showHeaders, sleep, subscribed } from './flows.ts';
import { SPEC } from './spec.ts';

const HEART_BEAT = /^(\d+),(\d+)$/;

/** Lets `ms` pass, and returns the harness's own stalls meanwhile ([from, to] in the session's time, over 25 ms). */
async function sleepWatchingStalls(s: StompSession, ms: number): Promise<Array<[number, number]>> {
  const stalls: Array<[number, number]> = [];
  let last = s.transcript.now();
  const ticker = setInterval(() => {
    const now = s.transcript.now();
    if (now - last > 25) stalls.push([last, now]);
    last = now;
  }, 5);
  await sleep(ms);
  clearInterval(ticker);
  return stalls;
}

describe.concurrent('S-10 heart-beating', () => {
  conformanceCase(
    {
      id: 'S-10.1',
      requirement: SPEC.heartBeatHeader,
      title: 'CONNECTED carries a well-formed heart-beat header',
      expected: 'heart-beat:<sx>,<sy> with two non-negative integers (absent means 0,0)',
    },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({ 'heart-beat': '100,100' });
      c.check(answer?.command === 'CONNECTED', 'CONNECTED', showHeaders(answer, s));
      const hb = header(answer, 'heart-beat');
      c.measure('CONNECTED heart-beat', hb ?? '(absent)');
      c.check(hb === undefined || HEART_BEAT.test(hb), 'heart-beat:<int>,<int>', `heart-beat:${hb}`);
    },
  );

  conformanceCase(
    {
      id: 'S-10.2',
      requirement: SPEC.heartBeatSend,
      title: 'the server sends an EOL at least every negotiated interval',
      expected: 'with client heart-beat 0,<cy> and server <sx>: EOLs at intervals no longer than max(sx, cy) (+50% tolerance)',
      timeoutMs: 15_000,
    },
    async (c) => {
      const cy = 100;
      const s = await c.stomp();
      const answer = await s.connect({ 'heart-beat': `0,${cy}` });
      c.check(answer?.command === 'CONNECTED', 'CONNECTED', showHeaders(answer, s));
      const m = HEART_BEAT.exec(header(answer, 'heart-beat') ?? '0,0');
      const sx = m ? Number(m[1]) : 0;
      if (sx === 0) return c.skip('the server declares it sends no heart-beats (sx = 0): nothing to measure');
      const interval = Math.max(sx, cy);
      c.measure('negotiated server→client interval (ms)', interval);
      const window = interval * 5;
      if (window > 12_000) return c.skip(`negotiated interval ${interval} ms is too long to observe (5 intervals) within the case deadline`);
      const limit = interval * 1.5 + 20;
      // Arrival times are the harness's: a gap the harness's own stall explains (load, not the server) is no verdict,
      // so such a window is measured again, up to three times; only a gap without a stall fails.
      for (let attempt = 1; ; attempt++) {
        const start = s.transcript.now();
        const stalls = await sleepWatchingStalls(s, window);
        // Any octet from the server proves liveness; EOLs are what an idle server sends. (The session's own arrival
        // times: a transcript collapses a run of heart-beats into one entry.)
        const beats = [...s.heartbeats, ...s.frames.map((f) => f.at)].filter((at) => at >= start).sort((a, b) => a - b);
        const stamps = [start, ...beats, s.transcript.now()];
        const gaps = stamps.slice(1).map((t, i) => ({ from: stamps[i], to: t, ms: t - stamps[i] }));
        const long = gaps.filter((g) => g.ms > limit);
        const serverStalls: number[] = [];
        let unexplained = long.filter((g) => !stalls.some(([a, b]) => a < g.to && b > g.from && b - a >= g.ms - limit));
        if (unexplained.length && c.target.kinds.stomp === 'reference') {
          // The reference server beats from the harness's own process: a gap its thread's stall explains is the
          // harness's too (session times count from the transcript's start).
          const epoch = Date.now() - s.transcript.now();
          const server = await Promise.all(unexplained.map((g) => c.serversStall(epoch + g.from, epoch + g.to)));
          serverStalls.push(...server.filter((ms) => ms > 0));
          unexplained = unexplained.filter((g, i) => server[i] < g.ms - limit);
        }
        const longest = Math.max(...gaps.map((g) => g.ms));
        c.measure('heart-beats seen', beats.length);
        c.measure('longest gap (ms)', longest.toFixed(1));
        if (long.length && !unexplained.length) {
          c.note(`S-10.2: window ${attempt}: a gap of ${longest.toFixed(0)} ms during a stall of the harness itself (${[...stalls.map(([a, b]) => `${(b - a).toFixed(0)} ms`), ...serverStalls.map((ms) => `its servers' thread ${ms} ms`)].join(', ')}): measured again`);
          if (attempt < 3 && (attempt + 1) * window <= 12_000) continue;
          throw new FlowError(`the harness itself stalled in each of its ${attempt} windows (load): the server's heart-beat gaps cannot be judged`);
        }
        c.check(!unexplained.length, `an EOL at least every ${interval} ms`, () => `a gap of ${unexplained[0].ms.toFixed(0)} ms (${beats.length} EOLs in ${window} ms)`);
        return;
      }
    },
  );

  conformanceCase(
    {
      id: 'S-10.3',
      requirement: SPEC.heartBeatNone,
      title: 'heart-beat 0,0 from the client disables server heart-beats',
      expected: 'no EOL from the server while the client asked for none',
    },
    async (c) => {
      const s = await connected(c, 'no heart-beats', { 'heart-beat': '0,0' });
      await sleep(Math.max(400, c.target.stomp.timeouts.quietMs * 2));
      c.check(s.heartbeats.length === 0, 'no heart-beat EOLs', `${s.heartbeats.length} EOLs`);
      await proveServed(c, s, 'the session that asked for no heart-beats');
    },
  );

  conformanceCase(
    {
      id: 'S-10.4',
      requirement: `${SPEC.nulEols} ${SPEC.heartBeatSend}`,
      title: 'client EOLs between frames are accepted',
      expected: 'after 6 EOLs sent as heart-beats the session still works: SEND is delivered as MESSAGE',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      for (let i = 0; i < 6; i++) {
        s.sendRaw(i % 2 ? '\r\n' : '\n');
        await s.ws.wait(30);
      }
      s.send({ command: 'SEND', headers: { destination }, body: 'after heart-beats' });
      await expectMessage(c, s, id, 'SEND after client heart-beats');
    },
  );

  conformanceCase(
    {
      id: 'S-10.5',
      requirement: SPEC.heartBeatDead,
      title: 'the server does not close a client that heart-beats within the negotiated interval',
      expected: 'client heart-beat 100,<sy>: a client sending an EOL every 100 ms stays connected',
      timeoutMs: 15_000,
    },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({ 'heart-beat': '100,0' });
      c.check(answer?.command === 'CONNECTED', 'CONNECTED', showHeaders(answer, s));
      const m = HEART_BEAT.exec(header(answer, 'heart-beat') ?? '0,0');
      const sy = m ? Number(m[2]) : 0;
      const interval = sy > 0 ? Math.max(100, sy) : 100;
      c.measure('negotiated client→server interval (ms)', sy > 0 ? interval : 'none (server wants no heart-beats)');
      if (interval > 3000) return c.skip(`negotiated interval ${interval} ms is too long to observe within the case deadline`);
      for (let i = 0; i < 8; i++) {
        s.sendRaw('\n');
        await s.ws.wait(interval / 2);
      }
      c.check(s.isOpen, 'still connected', `closed: code ${s.transcript.close?.code}`);
      await proveServed(c, s, 'the heart-beating session');
    },
  );
});
