import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { schemaProblems } from '../../src/oam/realms.ts';
import { bodyText } from '../../src/stomp/index.ts';
import { subscribe } from '../stomp/flows.ts';
import { OamClient, checkSuccess, uniqueName } from './flows.ts';

describe.concurrent('O-11 alarms and real-time metrics (recorded)', () => {
  conformanceCase(
    {
      id: 'O-11.1',
      title: 'a triggered alarm is pushed as MESSAGE on /alarm',
      expected: 'alarm "value < 500000 for 100 ms" on a node; samples below it for > 100 ms → a MESSAGE on /alarm naming the alarm (payload shape: ours)',
    },
    async (c) => {
      const sampleUrl = c.target.oam.sampleUrl;
      if (!sampleUrl) return c.skip('the target cannot be fed metric samples (only the reference server can)');
      const oam = await OamClient.open(c);
      await subscribe(c, oam.s, '/alarm', 'sub-0');
      const nodes = (await oam.call('/api/node/list', {})).body.payload as Array<{ id: number }>;
      const node = nodes[0].id;
      const name = uniqueName(c, 'alarm');
      checkSuccess(c, '/api/alarm/create', (await oam.call('/api/alarm/create', { type: '0', name, value: '500000', metric: '4', node: String(node), time: '100' })).body);
      const alarms = (await oam.call('/api/alarm/list', {})).body.payload as Array<{ id: number; name: string }>;
      const alarm = alarms.find((a) => a.name === name)!;
      c.onCleanup(() => oam.answer(oam.send('/api/alarm/delete', { id: String(alarm.id) })));
      const feed = c.http('metric samples (control)', true);
      const t0 = Date.now();
      await feed.post(sampleUrl, { node, metric: 4, value: 100000, timestamp: t0 });
      await feed.post(sampleUrl, { node, metric: 4, value: 120000, timestamp: t0 + 150 });
      const pushed = await oam.s.nextFrame(c.target.oam.timeouts.responseMs, (f) => f.command === 'MESSAGE' && f.headers.some(([k, v]) => k === 'subscription' && v === 'sub-0'));
      c.measure('alarm push', pushed ? `MESSAGE after ${Math.round(Date.now() - t0)} ms` : 'none');
      c.observe(pushed ? `alarm pushed on /alarm: ${bodyText(pushed).slice(0, 160)}` : `no alarm pushed on /alarm (${oam.s.describeSilence(c.target.oam.timeouts.responseMs)})`);
      c.check(!!pushed, 'a MESSAGE on /alarm', oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      const event = JSON.parse(bodyText(pushed!));
      const problems = schemaProblems('alarmEvent', event);
      c.check(problems.length === 0 && event.alarm === alarm.id, `an alarm event for alarm ${alarm.id}`, `${bodyText(pushed!)} ${problems.join('; ')}`);
    },
  );

  conformanceCase(
    {
      id: 'O-11.2',
      title: 'SUBSCRIBE /stream/<node>/<mediaId> receives arrays of samples with timestamps',
      expected: 'MESSAGEs whose body is a JSON array of {timestamp, …}',
    },
    async (c) => {
      const oam = await OamClient.open(c);
      const streams = (await oam.call('/api/stream/list', {})).body.payload as Array<{ node: number; mediaSessionId: string }>;
      if (!streams?.length) return c.skip('the target has no stream to subscribe to');
      const { node, mediaSessionId } = streams[0];
      await subscribe(c, oam.s, `/stream/${node}/${mediaSessionId}`, 'stream');
      const m = await oam.s.nextFrame(c.target.oam.timeouts.responseMs * 2, (f) => f.command === 'MESSAGE' && f.headers.some(([k, v]) => k === 'subscription' && v === 'stream'));
      c.measure('stream samples', m ? `${(() => { try { const v = JSON.parse(bodyText(m)); return Array.isArray(v) ? `${v.length} per MESSAGE` : 'not an array'; } catch { return 'not JSON'; } })()}` : 'none');
      c.observe(m ? `a MESSAGE on /stream/${node}/…: ${bodyText(m).slice(0, 120)}` : `no MESSAGE on the stream (${oam.s.describeSilence(c.target.oam.timeouts.responseMs * 2)})`);
      c.check(!!m, 'a MESSAGE on the stream subscription', oam.s.describeSilence(c.target.oam.timeouts.responseMs * 2));
      const samples = JSON.parse(bodyText(m!));
      c.check(Array.isArray(samples) && samples.length > 0 && samples.every((s: unknown) => schemaProblems('sample', s).length === 0), 'an array of samples with integer timestamps', bodyText(m!).slice(0, 200));
    },
  );

  conformanceCase(
    {
      id: 'O-11.3',
      title: 'alarm types outside {0, 1, 2, 4, 5} are refused',
      expected: 'alarm/create with type "3" → a non-200 status',
    },
    async (c) => {
      const a = await (await OamClient.open(c)).call('/api/alarm/create', { type: '3', name: uniqueName(c, 'bad-type'), value: '1', metric: '4', time: '1000' });
      c.measure('alarm type 3', `status ${a.body.status} ${a.body.reason}`);
      c.observe(`alarm/create with type "3" was answered ${a.body.status} "${a.body.reason}"`);
      c.check(a.body.status !== 200, 'a non-200 status', `status ${a.body.status}`);
    },
  );
});
