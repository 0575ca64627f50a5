import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { REALMS } from '../../src/oam/realms.ts';
import { OamClient, checkItems, checkSuccess, createProfile, uniqueName } from './flows.ts';

describe.concurrent('O-6 realm catalogue', () => {
  const LISTS: Array<[string, string, unknown]> = [
    ['O-6.1', '/api/metric/list', {}],
    ['O-6.2', '/api/profile/list', {}],
    ['O-6.3', '/api/rule/list', {}],
    ['O-6.4', '/api/node/list', {}],
    ['O-6.5', '/api/node_status/list', {}],
    ['O-6.6', '/api/stream/list', {}],
    ['O-6.7', '/api/stream/metrics', {}],
    ['O-6.8', '/api/stream/history', {}],
    ['O-6.9', '/api/alarm/list', {}],
  ];
  for (const [id, realm, payload] of LISTS) {
    conformanceCase(
      { id, title: `${realm} answers 200 with a list of ${REALMS[realm].items} items`, expected: `200 SUCCESS, payload an array matching schemas/oam.schema.json#/definitions/${REALMS[realm].items}` },
      async (c) => {
        const a = await (await OamClient.open(c)).call(realm, payload);
        checkSuccess(c, realm, a.body);
        c.measure('items', checkItems(c, realm, a.body.payload).length);
      },
    );
  }

  conformanceCase(
    { id: 'O-6.10', title: 'metric/list by id: ids go in as strings and come back as numbers', expected: 'payload [{id: 3 (a number), name, enumName}]' },
    async (c) => {
      const a = await (await OamClient.open(c)).call('/api/metric/list', { id: '3' });
      checkSuccess(c, '/api/metric/list', a.body);
      const items = checkItems(c, '/api/metric/list', a.body.payload) as Array<{ id: unknown }>;
      c.check(items.length === 1 && items[0].id === 3, 'one item with id 3 (a JSON number)', JSON.stringify(items));
    },
  );

  conformanceCase(
    { id: 'O-6.11', title: 'profile create → list → update → delete', expected: 'each step 200 SUCCESS; the list shows the created then the updated values; gone after delete' },
    async (c) => {
      const oam = await OamClient.open(c);
      const id = await createProfile(c, oam);
      const renamed = uniqueName(c, 'renamed');
      checkSuccess(c, '/api/profile/update', (await oam.call('/api/profile/update', { id: String(id), name: renamed, rate: '15', metrics: ['3', '10'], rules: [] })).body);
      const after = (await oam.call('/api/profile/list', { id: String(id) })).body.payload as Array<Record<string, unknown>>;
      c.check(after?.[0]?.name === renamed && after[0].rate === 15, `name ${renamed}, rate 15 (a number)`, JSON.stringify(after));
      checkSuccess(c, '/api/profile/delete', (await oam.call('/api/profile/delete', { id: String(id) })).body);
      const gone = await oam.call('/api/profile/list', { id: String(id) });
      c.check(gone.body.status !== 200, 'the deleted profile is not found', `status ${gone.body.status}`);
    },
  );

  conformanceCase(
    { id: 'O-6.12', title: 'rule create → list → update → delete', expected: 'each step 200 SUCCESS; list items match the rule schema' },
    async (c) => {
      const oam = await OamClient.open(c);
      const name = uniqueName(c, 'rule');
      checkSuccess(c, '/api/rule/create', (await oam.call('/api/rule/create', { name, metric: '4', value: '500000' })).body);
      const rules = checkItems(c, '/api/rule/list', (await oam.call('/api/rule/list', {})).body.payload) as Array<{ id: number; name: string }>;
      const rule = rules.find((r) => r.name === name);
      if (!rule) return c.fail(`rule "${name}" listed`, 'not listed');
      c.onCleanup(() => oam.answer(oam.send('/api/rule/delete', { id: String(rule.id) })));
      checkSuccess(c, '/api/rule/update', (await oam.call('/api/rule/update', { id: String(rule.id), name, metric: '4', value: '250000' })).body);
      const updated = (await oam.call('/api/rule/list', { id: String(rule.id) })).body.payload as Array<{ value: unknown }>;
      c.check(updated?.[0]?.value === 250000, 'value 250000', JSON.stringify(updated));
      checkSuccess(c, '/api/rule/delete', (await oam.call('/api/rule/delete', { id: String(rule.id) })).body);
    },
  );

  conformanceCase(
    { id: 'O-6.13', title: 'node/update sets the node profiles', expected: 'node/update {id, profiles} → 200; node/list shows the profiles as numbers; restored afterwards' },
    async (c) => {
      const oam = await OamClient.open(c);
      const nodes = checkItems(c, '/api/node/list', (await oam.call('/api/node/list', {})).body.payload) as Array<{ id: number; profiles: number[] }>;
      if (!nodes.length) return c.skip('the target has no node to update');
      const node = nodes[0];
      const profile = await createProfile(c, oam);
      c.onCleanup(() => oam.answer(oam.send('/api/node/update', { id: String(node.id), profiles: node.profiles.map(String) })));
      checkSuccess(c, '/api/node/update', (await oam.call('/api/node/update', { id: String(node.id), profiles: [...node.profiles, profile].map(String) })).body);
      const after = (await oam.call('/api/node/list', { id: String(node.id) })).body.payload as Array<{ profiles: unknown[] }>;
      c.check(after?.[0]?.profiles.includes(profile), `profiles include ${profile} (a number)`, JSON.stringify(after));
    },
  );

  conformanceCase(
    { id: 'O-6.14', title: 'alarm create → list → update → delete', expected: 'the documented alarm/create payload (digit strings) → 200; listed with numbers; updated; deleted' },
    async (c) => {
      const oam = await OamClient.open(c);
      const nodes = (await oam.call('/api/node/list', {})).body.payload as Array<{ id: number }>;
      const name = uniqueName(c, 'alarm');
      const create = { type: '0', name, value: '500000', metric: '4', ...(nodes?.length ? { node: String(nodes[0].id) } : {}), time: '5000' };
      checkSuccess(c, '/api/alarm/create', (await oam.call('/api/alarm/create', create)).body);
      const alarms = checkItems(c, '/api/alarm/list', (await oam.call('/api/alarm/list', {})).body.payload) as Array<{ id: number; name: string; value: unknown }>;
      const alarm = alarms.find((a) => a.name === name);
      if (!alarm) return c.fail(`alarm "${name}" listed`, 'not listed');
      c.onCleanup(() => oam.answer(oam.send('/api/alarm/delete', { id: String(alarm.id) })));
      c.check(alarm.value === 500000, 'value 500000 as a number', JSON.stringify(alarm));
      checkSuccess(c, '/api/alarm/update', (await oam.call('/api/alarm/update', { ...create, id: String(alarm.id), value: '400000' })).body);
      const updated = (await oam.call('/api/alarm/list', { id: String(alarm.id) })).body.payload as Array<{ value: unknown }>;
      c.check(updated?.[0]?.value === 400000, 'value 400000', JSON.stringify(updated));
    },
  );

  conformanceCase(
    { id: 'O-6.15', title: 'stream queries by node answer the streams of that node', expected: 'stream/list {node} → only streams of that node; stream/history {node} → samples with timestamps' },
    async (c) => {
      const oam = await OamClient.open(c);
      const streams = checkItems(c, '/api/stream/list', (await oam.call('/api/stream/list', {})).body.payload) as Array<{ node: number }>;
      if (!streams.length) return c.skip('the target has no stream');
      const node = streams[0].node;
      const mine = checkItems(c, '/api/stream/list', (await oam.call('/api/stream/list', { node: String(node) })).body.payload) as Array<{ node: number }>;
      c.check(mine.length > 0 && mine.every((s) => s.node === node), `only streams of node ${node}`, JSON.stringify(mine).slice(0, 200));
      checkItems(c, '/api/stream/history', (await oam.call('/api/stream/history', { node: String(node) })).body.payload);
    },
  );
});
