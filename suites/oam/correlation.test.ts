import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { FlowError } from '../../src/transport/stomp-session.ts';
import { OamClient, type OamResponse } from './flows.ts';

const REALMS_MIX: Array<[string, unknown]> = [
  ['/api/metric/list', {}],
  ['/api/metric/list', { id: '3' }],
  ['/api/node/list', {}],
  ['/api/node_status/list', {}],
  ['/api/profile/list', {}],
  ['/api/stream/list', {}],
];

/** Sends `n` requests at once (realms interleaved) and collects every response for `settleMs` after the last. */
async function burst(c: CaseContext, oam: OamClient, n: number, tag: string): Promise<{ ids: string[]; seen: Map<string, number>; order: string[] }> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  ids.forEach((id, i) => oam.send(...REALMS_MIX[i % REALMS_MIX.length], id));
  const deadline = Date.now() + c.target.oam.timeouts.responseMs * 2;
  while (Date.now() < deadline && oam.responses().length < n) await oam.s.ws.wait(deadline - Date.now());
  await oam.s.ws.wait(c.target.oam.timeouts.quietMs);
  const seen = new Map<string, number>();
  const order: string[] = [];
  for (const { body } of oam.responses()) {
    const id = String((body as OamResponse | undefined)?.requestId);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    order.push(id);
  }
  return { ids, seen, order };
}

function judge(c: CaseContext, ids: string[], seen: Map<string, number>, label: string): void {
  const missing = ids.filter((id) => !seen.has(id));
  const doubled = ids.filter((id) => (seen.get(id) ?? 0) > 1);
  const foreign = [...seen.keys()].filter((id) => !ids.includes(id));
  c.measure(`${label}: answered`, `${ids.length - missing.length}/${ids.length}`);
  c.check(missing.length === 0, `exactly one response for each of ${ids.length} requests`, `${missing.length} unanswered (${missing.slice(0, 5).join(', ')})`);
  c.check(doubled.length === 0, 'exactly one response per request', `answered more than once: ${doubled.slice(0, 5).join(', ')}`);
  c.check(foreign.length === 0, 'no response for a request this session did not send', `foreign requestIds: ${foreign.slice(0, 5).join(', ')}`);
}

describe.concurrent('O-5 requestId correlation', () => {
  conformanceCase(
    { id: 'O-5.1', title: 'one request, exactly one response carrying its requestId', expected: 'one response with the same requestId, no second one' },
    async (c) => {
      const oam = await OamClient.open(c);
      const { ids, seen } = await burst(c, oam, 1, 'single');
      judge(c, ids, seen, 'single');
    },
  );

  conformanceCase(
    { id: 'O-5.2', title: '100 concurrent requests on one session: each answered exactly once', expected: '100 responses, one per requestId (any order)' },
    async (c) => {
      const oam = await OamClient.open(c);
      const { ids, seen, order } = await burst(c, oam, 100, 'burst');
      c.measure('answered out of order', order.some((id, i) => i > 0 && Number(id.split('-')[1]) < Number(order[i - 1].split('-')[1])) ? 'yes' : 'no');
      judge(c, ids, seen, 'one session');
    },
  );

  conformanceCase(
    { id: 'O-5.3', title: 'interleaved realms keep their requestIds', expected: 'each response carries the payload shape of its own realm' },
    async (c) => {
      const oam = await OamClient.open(c);
      const metric = oam.send('/api/metric/list', { id: '3' });
      const nodes = oam.send('/api/node/list', {});
      const metrics = oam.send('/api/metric/list', {});
      const [a, b, d] = [await oam.answer(metric), await oam.answer(nodes), await oam.answer(metrics)];
      const p = (x: typeof a) => (x?.body.payload as Array<Record<string, unknown>> | undefined) ?? [];
      c.check(p(a).length === 1 && p(a)[0].id === 3 && 'enumName' in p(a)[0], 'metric 3 for the first requestId', JSON.stringify(p(a)).slice(0, 200));
      c.check(p(b).every((n) => 'host' in n), 'nodes for the second requestId', JSON.stringify(p(b)).slice(0, 200));
      c.check(p(d).length > 1 && p(d).every((m) => 'enumName' in m), 'all metrics for the third', JSON.stringify(p(d)).slice(0, 200));
    },
  );

  conformanceCase(
    {
      id: 'O-5.4',
      title: '5 sessions × 40 concurrent requests: every session gets exactly its own responses',
      expected: 'each session receives one response per own request and none of the others',
      timeoutMs: 30_000,
    },
    async (c) => {
      const clients = await Promise.all(Array.from({ length: 5 }, (_, i) => OamClient.open(c, `session ${i + 1}`)));
      const results = await Promise.all(clients.map((oam, i) => burst(c, oam, 40, `s${i}`)));
      results.forEach(({ ids, seen }, i) => judge(c, ids, seen, `session ${i + 1}`));
    },
  );

  conformanceCase(
    {
      id: 'O-5.5',
      title: 'a response never reaches another session subscribed to /user/service',
      expected: "B, subscribed to /user/service, receives none of A's responses",
    },
    async (c) => {
      const a = await OamClient.open(c, 'A');
      const b = await OamClient.open(c, 'B (bystander)');
      const { ids, seen } = await burst(c, a, 20, 'from-A');
      judge(c, ids, seen, 'A');
      // B's own request, sent after A's were answered, proves B's /user/service path works: a silent B cannot pass.
      b.send('/api/metric/list', {}, 'B-control');
      if (!(await b.answer('B-control'))) throw new FlowError("B got no answer to its own request: its /user/service subscription cannot be shown to work");
      const leaked = b.responses().filter(({ body }) => (body as OamResponse | undefined)?.requestId !== 'B-control');
      c.check(leaked.length === 0, 'nothing on B', `B received ${leaked.length} responses, e.g. requestId ${leaked[0]?.body?.requestId}`);
    },
  );

  conformanceCase(
    {
      id: 'O-5.6',
      title: 'the same requestId from two sessions is answered to each session once',
      expected: 'A and B both send requestId "same"; each gets exactly one response',
    },
    async (c) => {
      const a = await OamClient.open(c, 'A');
      const b = await OamClient.open(c, 'B');
      a.send('/api/metric/list', { id: '3' }, 'same');
      b.send('/api/node/list', {}, 'same');
      await Promise.all([a.answer('same'), b.answer('same')]);
      await a.s.ws.wait(c.target.oam.timeouts.quietMs);
      const [ra, rb] = [a.responses(), b.responses()];
      c.check(ra.length === 1 && rb.length === 1, 'one response on each session', `A: ${ra.length}, B: ${rb.length}`);
      c.check(Array.isArray(ra[0].body?.payload) && (ra[0].body!.payload as Array<Record<string, unknown>>)[0]?.enumName !== undefined, "A's answer is A's metric list", JSON.stringify(ra[0].body).slice(0, 200));
    },
  );
});
