import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { bodyText } from '../../src/stomp/index.ts';
import type { ReceivedFrame } from '../../src/transport/stomp-session.ts';
import { OamClient, createProfile, rest, uniqueName } from './flows.ts';

const NOT_FOUND_ID = '987654321';

/** ERROR, or a response that carries no requestId (one that carries another request's id is not the answer). */
function answersWithoutRequestId(f: ReceivedFrame): boolean {
  if (f.command === 'ERROR') return true;
  if (f.command !== 'MESSAGE') return false;
  try {
    return JSON.parse(bodyText(f))?.requestId == null;
  } catch {
    return true;
  }
}

describe.concurrent('O-7 documented errors', () => {
  conformanceCase(
    {
      id: 'O-7.1',
      title: 'an unknown id is answered 400 Object not found',
      expected: 'metric/list {id: unknown} → status 400, reason "Object not found" (older docs: 404, reported as such)',
    },
    async (c) => {
      const a = await (await OamClient.open(c)).call('/api/metric/list', { id: NOT_FOUND_ID });
      c.measure('status', a.body.status);
      c.check(a.body.status === 400 && a.body.reason === 'Object not found', '400 "Object not found"',
        `${a.body.status} ${JSON.stringify(a.body.reason)}${a.body.status === 404 ? ' (the older documented status)' : ''}`);
    },
  );

  conformanceCase(
    { id: 'O-7.2', title: 'updating an unknown profile is answered 400 Object not found', expected: 'profile/update {id: unknown} → 400 "Object not found"' },
    async (c) => {
      const a = await (await OamClient.open(c)).call('/api/profile/update', { id: NOT_FOUND_ID, name: uniqueName(c, 'ghost'), rate: '1', metrics: ['3'], rules: [] });
      c.check(a.body.status === 400 && a.body.reason === 'Object not found', '400 "Object not found"', `${a.body.status} ${JSON.stringify(a.body.reason)}`);
    },
  );

  conformanceCase(
    { id: 'O-7.3', title: 'deleting an unknown alarm is answered 400 Object not found', expected: 'alarm/delete {id: unknown} → 400 "Object not found"' },
    async (c) => {
      const a = await (await OamClient.open(c)).call('/api/alarm/delete', { id: NOT_FOUND_ID });
      c.check(a.body.status === 400 && a.body.reason === 'Object not found', '400 "Object not found"', `${a.body.status} ${JSON.stringify(a.body.reason)}`);
    },
  );

  conformanceCase(
    { id: 'O-7.4', title: 'a duplicate unique name is answered 500 Persist exception', expected: 'a second profile/create with the same name → 500 "Persist exception"' },
    async (c) => {
      const oam = await OamClient.open(c);
      const name = uniqueName(c, 'dup');
      await createProfile(c, oam, name);
      const again = await oam.call('/api/profile/create', { name, rate: '30', metrics: ['3'], rules: [] });
      c.check(again.body.status === 500 && again.body.reason === 'Persist exception', '500 "Persist exception"', `${again.body.status} ${JSON.stringify(again.body.reason)}`);
    },
  );

  conformanceCase(
    { id: 'O-7.5', title: 'an unknown realm gets a non-200 response that carries the requestId', expected: 'SEND /app/api/nothing/here → status ≠ 200, requestId echoed' },
    async (c) => {
      const oam = await OamClient.open(c);
      const id = oam.send('/api/nothing/here', {});
      const a = await oam.answer(id);
      c.check(!!a, `a response carrying requestId ${id}`, oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      c.check(a!.body.status !== 200, 'a non-200 status', `status ${a!.body.status}`);
    },
  );

  conformanceCase(
    { id: 'O-7.6', title: 'a payload of the wrong shape gets a non-200 response with the requestId', expected: 'profile/create without a name → status ≠ 200, requestId echoed' },
    async (c) => {
      const oam = await OamClient.open(c);
      const id = oam.send('/api/profile/create', { rate: 'fast', metrics: 'all' });
      const a = await oam.answer(id);
      c.check(!!a, `a response carrying requestId ${id}`, oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      c.check(a!.body.status !== 200, 'a non-200 status', `status ${a!.body.status}`);
    },
  );

  conformanceCase(
    {
      id: 'O-7.7',
      title: 'a body that is not JSON is refused without breaking the session',
      expected: 'a non-200 response (no requestId can be read) or ERROR-then-close; never silence',
    },
    async (c) => {
      const oam = await OamClient.open(c);
      oam.s.send({ command: 'SEND', headers: { destination: '/app/api/metric/list' }, body: '{"requestId": "broken", "realm": ' });
      const answer = await oam.s.nextFrame(c.target.oam.timeouts.responseMs, answersWithoutRequestId);
      c.check(!!answer, 'a non-200 response or ERROR', oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      if (answer!.command === 'MESSAGE') {
        const body = JSON.parse(answer!.body.toString());
        c.check(body.status !== 200, 'a non-200 status', `status ${body.status}`);
      }
    },
  );

  conformanceCase(
    { id: 'O-7.8', title: 'a request without requestId gets a non-200 response', expected: 'a non-200 response (requestId null or absent)' },
    async (c) => {
      const oam = await OamClient.open(c);
      oam.s.send({ command: 'SEND', headers: { destination: '/app/api/metric/list' }, body: JSON.stringify({ realm: '/api/metric/list', payload: {} }) });
      const answer = await oam.s.nextFrame(c.target.oam.timeouts.responseMs, answersWithoutRequestId);
      c.check(!!answer, 'a non-200 response or ERROR', oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      if (answer!.command === 'MESSAGE') c.check(JSON.parse(answer!.body.toString()).status !== 200, 'a non-200 status', answer!.body.toString());
    },
  );

  conformanceCase(
    { id: 'O-7.9', title: 'REST: an unknown id is answered 400 Object not found', expected: 'POST /api/metric/list {id: unknown} → HTTP 400, envelope 400 "Object not found"' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', { id: NOT_FOUND_ID });
      const body = r.json as { status?: number; reason?: string } | undefined;
      c.check(body?.status === 400 && body.reason === 'Object not found', 'envelope 400 "Object not found"', r.text.slice(0, 200));
      c.check(r.status === 400, 'HTTP 400', `HTTP ${r.status}`);
    },
  );

  conformanceCase(
    { id: 'O-7.10', title: 'REST: a body that is not JSON is answered with a non-200 status', expected: 'HTTP 4xx, not a hang, not a 200' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', '{"id": ');
      c.check(r.status >= 400 && r.status < 500, 'HTTP 4xx', `HTTP ${r.status}`);
    },
  );
});
