import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { schemaProblems } from '../../src/oam/realms.ts';
import { OamClient, checkItems, rest } from './flows.ts';

describe.concurrent('O-8 REST mirror', () => {
  conformanceCase(
    { id: 'O-8.1', title: 'POST /api/metric/list answers {status, reason, payload}', expected: 'a JSON envelope matching schemas/oam.schema.json#/definitions/restResponse, with the metric list' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', {});
      const problems = schemaProblems('restResponse', r.json);
      c.check(problems.length === 0, 'the {status, reason, payload} envelope (current docs)', `${r.text.slice(0, 200)}${Array.isArray(r.json) ? ' — a bare array (older docs)' : ''}: ${problems.join('; ')}`);
      checkItems(c, '/api/metric/list', (r.json as { payload: unknown }).payload);
    },
  );

  conformanceCase(
    { id: 'O-8.2', title: 'the HTTP status equals the envelope status (200)', expected: 'HTTP 200 and status 200' },
    async (c) => {
      const r = await rest(c, '/api/node/list', {});
      c.check(r.status === 200 && (r.json as { status?: number })?.status === 200, 'HTTP 200, envelope 200', `HTTP ${r.status}, envelope ${(r.json as { status?: number })?.status}`);
    },
  );

  conformanceCase(
    { id: 'O-8.3', title: 'REST answers are application/json', expected: 'content-type application/json (charset allowed)' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', { id: '3' });
      c.check(/^application\/json\b/i.test(r.headers['content-type'] ?? ''), 'application/json', r.headers['content-type'] ?? '(none)');
    },
  );

  conformanceCase(
    { id: 'O-8.4', title: 'REST and STOMP answer the same payload for the same request', expected: 'metric/list payload identical over both APIs' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', {});
      const a = await (await OamClient.open(c)).call('/api/metric/list', {});
      c.check(JSON.stringify((r.json as { payload?: unknown })?.payload) === JSON.stringify(a.body.payload), 'the same payload', `REST ${JSON.stringify((r.json as { payload?: unknown })?.payload).slice(0, 120)} vs STOMP ${JSON.stringify(a.body.payload).slice(0, 120)}`);
    },
  );

  conformanceCase(
    { id: 'O-8.5', title: 'the documented REST payloads (digit strings) are accepted', expected: 'node_status/list and metric/list with {"id": "<digits>"} → 200 or 400 Object not found, never a format error' },
    async (c) => {
      const r = await rest(c, '/api/metric/list', { id: '3' });
      c.check(r.status === 200, 'HTTP 200 for metric 3', `HTTP ${r.status}: ${r.text.slice(0, 200)}`);
      const items = checkItems(c, '/api/metric/list', (r.json as { payload: unknown }).payload) as Array<{ id: unknown }>;
      c.check(items[0]?.id === 3, 'id 3 as a number', JSON.stringify(items));
    },
  );
});

function declaredOrigin(c: CaseContext): string {
  const origin = c.target.oam.settings.access_control_allow_origin;
  if (!origin) return c.skip('the target declares no access_control_allow_origin (target file: oam.settings.access_control_allow_origin)');
  return origin;
}

describe.concurrent('O-9 CORS', () => {
  conformanceCase(
    { id: 'O-9.1', title: 'REST answers carry Access-Control-Allow-Origin', expected: 'a POST with Origin gets Access-Control-Allow-Origin: the configured value (or the origin)' },
    async (c) => {
      const allowed = declaredOrigin(c);
      const origin = 'https://console.example.test';
      const r = await rest(c, '/api/metric/list', {}, { origin });
      const got = r.headers['access-control-allow-origin'];
      c.check(got === allowed || got === origin, `Access-Control-Allow-Origin: ${allowed}`, got ?? '(absent)');
    },
  );

  conformanceCase(
    { id: 'O-9.2', title: 'a preflight OPTIONS is answered', expected: 'OPTIONS with Access-Control-Request-Method: POST → 2xx, Allow-Origin and Allow-Methods including POST' },
    async (c) => {
      const allowed = declaredOrigin(c);
      const origin = 'https://console.example.test';
      const r = await c.http('CORS preflight', c.target.oam.insecure).send('OPTIONS', `${c.target.oam.restUrl}/api/metric/list`, {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      c.check(r.status >= 200 && r.status < 300, 'a 2xx answer', `HTTP ${r.status}`);
      const got = r.headers['access-control-allow-origin'];
      c.check(got === allowed || got === origin, `Access-Control-Allow-Origin: ${allowed}`, got ?? '(absent)');
      c.check(/\bPOST\b/i.test(r.headers['access-control-allow-methods'] ?? ''), 'Access-Control-Allow-Methods with POST', r.headers['access-control-allow-methods'] ?? '(absent)');
    },
  );

  conformanceCase(
    { id: 'O-9.3', title: 'the preflight allows the Content-Type request header', expected: 'Access-Control-Allow-Headers covers content-type' },
    async (c) => {
      declaredOrigin(c);
      const r = await c.http('CORS preflight', c.target.oam.insecure).send('OPTIONS', `${c.target.oam.restUrl}/api/metric/list`, {
        headers: { origin: 'https://console.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      const allow = r.headers['access-control-allow-headers'] ?? '';
      c.check(/content-type|\*/i.test(allow), 'content-type allowed', allow || '(absent)');
    },
  );
});
