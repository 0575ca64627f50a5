import { describe } from 'vitest';
import { conformanceCase } from '../../../src/case.ts';
import { problems } from '../../../src/schemas.ts';
import { HOOKS, METHODS, checkAccepted, checkJsonOk, sendHook } from './flows.ts';

describe.concurrent('H-2 the backend answers hooks (backend role: the harness plays WCS)', () => {
  METHODS.forEach((method, i) => {
    conformanceCase(
      { id: `H-2.${i + 1}`, title: `${method} is answered 200 with a JSON body`, expected: `POST <app>/${method} → 200, Content-Type application/json, a JSON object` },
      async (c) => {
        checkJsonOk(c, method, await sendHook(c, method, HOOKS[method]));
      },
    );
  });

  conformanceCase(
    { id: 'H-2.6', title: 'the connect answer echoes the request', expected: 'the answer carries nodeId, appKey, sessionId and custom as sent' },
    async (c) => {
      const answer = checkJsonOk(c, 'connect', await sendHook(c, 'connect', HOOKS.connect));
      for (const key of ['nodeId', 'appKey', 'sessionId', 'custom']) {
        c.check(JSON.stringify(answer[key]) === JSON.stringify(HOOKS.connect[key]), `${key} echoed: ${JSON.stringify(HOOKS.connect[key])}`, `${key}: ${JSON.stringify(answer[key])}`);
      }
    },
  );

  conformanceCase(
    { id: 'H-2.7', title: 'an event echoed back keeps its fields (seed 003 StreamStatusEvent)', expected: 'if the answer echoes the event, its fields are unchanged' },
    async (c) => {
      const answer = checkJsonOk(c, 'StreamStatusEvent', await sendHook(c, 'StreamStatusEvent', HOOKS.StreamStatusEvent));
      if (!('mediaSessionId' in answer)) return c.skip('the backend does not echo events (allowed)');
      c.check(answer.mediaSessionId === HOOKS.StreamStatusEvent.mediaSessionId && answer.status === 'PUBLISHING', 'mediaSessionId and status as sent', JSON.stringify(answer).slice(0, 200));
    },
  );
});

describe.concurrent('H-1 hook requests the backend must accept', () => {
  conformanceCase(
    { id: 'H-1.1', title: 'Content-Type with a charset parameter is accepted', expected: 'Content-Type: application/json;charset=UTF-8 (as WCS sends it, seed 003) → 200' },
    async (c) => {
      checkAccepted(c, 'ConnectionStatusEvent', await sendHook(c, 'ConnectionStatusEvent', HOOKS.ConnectionStatusEvent, { contentType: 'application/json;charset=UTF-8' }));
    },
  );

  conformanceCase(
    { id: 'H-1.2', title: 'plain Content-Type: application/json is accepted', expected: 'Content-Type: application/json → 200' },
    async (c) => {
      checkAccepted(c, 'ConnectionStatusEvent', await sendHook(c, 'ConnectionStatusEvent', HOOKS.ConnectionStatusEvent, { contentType: 'application/json' }));
    },
  );

  conformanceCase(
    { id: 'H-1.3', title: 'multi-byte UTF-8 in a hook body is accepted', expected: 'OnDataEvent with Grüße/東京/🎥 → 200 JSON' },
    async (c) => {
      checkAccepted(c, 'OnDataEvent', await sendHook(c, 'OnDataEvent', HOOKS.OnDataEvent));
    },
  );
});

describe.concurrent('H-3 answering within rest_request_timeout', () => {
  conformanceCase(
    {
      id: 'H-3.1',
      title: 'every hook is answered within rest_request_timeout',
      requirement: 'The backend answers within rest_request_timeout (default 15 s; the docs recommend 1–10 s or 1–60 s: seeds 001 and 002 disagree).',
      expected: 'each of the five hooks answered in less than rest_request_timeout (0: no limit)',
    },
    async (c) => {
      const limitS = c.target.hooks.backend.settings.rest_request_timeout;
      c.measure('rest_request_timeout (s)', limitS);
      for (const method of METHODS) {
        const r = await sendHook(c, method, HOOKS[method]);
        c.measure(`${method} (ms)`, r.ms.toFixed(1));
        if (limitS > 0) c.check(r.ms < limitS * 1000, `${method} within ${limitS} s`, `${r.ms.toFixed(0)} ms`);
      }
    },
  );
});

describe.concurrent('H-4 restClientConfig', () => {
  conformanceCase(
    {
      id: 'H-4.1',
      title: 'restClientConfig, when returned, maps method names to valid settings',
      expected: '{method: {clientExclude, restExclude, restOnError: LOG|FAIL, restPolicy: NOTIFY|OVERWRITE|DISABLE, restOverwrite}}',
    },
    async (c) => {
      const answer = checkAccepted(c, 'connect', await sendHook(c, 'connect', HOOKS.connect));
      if (!('restClientConfig' in answer)) return c.skip('the backend returns no restClientConfig (allowed)');
      const config = answer.restClientConfig as Record<string, { restPolicy?: string }>;
      const bad = problems('hooks', 'restClientConfig', config);
      const legacy = Object.entries(config ?? {}).filter(([, v]) => v?.restPolicy === 'DISABLED').map(([k]) => k);
      c.check(bad.length === 0, 'a restClientConfig matching schemas/hooks.schema.json', `${JSON.stringify(config).slice(0, 200)}: ${bad.join('; ')}${legacy.length ? ` (restPolicy DISABLED is the older docs' spelling: ${legacy.join(', ')})` : ''}`);
    },
  );

  conformanceCase(
    { id: 'H-4.2', title: 'restClientConfig names hook methods', level: 'INFO', expected: 'recorded: the method names configured, all of them hook methods WCS calls' },
    async (c) => {
      const answer = checkAccepted(c, 'connect', await sendHook(c, 'connect', HOOKS.connect));
      const names = Object.keys((answer.restClientConfig as object | undefined) ?? {});
      c.measure('configured methods', names.join(', ') || '(none)');
      c.check(names.every((n) => /^[A-Za-z]+$/.test(n)), 'method names', names.join(', '));
    },
  );
});

describe.concurrent('H-5 refusals', () => {
  const refused = async (c: Parameters<Parameters<typeof conformanceCase>[1]>[0]) => {
    const refusal = c.target.hooks.backend.refusal;
    if (!refusal) return c.skip('the target declares no hook it refuses (target file: hooks.backend.refusal)');
    return sendHook(c, refusal.method, { ...HOOKS[refusal.method], ...refusal.body });
  };

  conformanceCase(
    { id: 'H-5.1', title: 'a refusal is a non-200 status', expected: 'the declared refused hook → a status other than 200' },
    async (c) => {
      const r = await refused(c);
      c.measure('status', r.status);
      c.check(r.status !== 200, 'a non-200 status', `HTTP ${r.status}`);
    },
  );

  conformanceCase(
    {
      id: 'H-5.2',
      title: 'a refusal body of exactly {status, reason} carries the reason shown to the client',
      level: 'INFO',
      expected: 'recorded: {status, reason} (the reason reaches the client) or another body (the status-line reason is shown)',
    },
    async (c) => {
      const r = await refused(c);
      const exact = problems('hooks', 'refusal', r.json).length === 0;
      c.measure('refusal body', r.text.slice(0, 200) || '(empty)');
      c.check(exact, 'exactly {status, reason}', r.text.slice(0, 200) || '(empty)');
      c.check((r.json as { status?: number }).status === r.status, `status ${r.status} in the body too`, r.text.slice(0, 200));
    },
  );
});

describe.concurrent('H-6 HMAC signature', () => {
  const hashOn = (c: Parameters<Parameters<typeof conformanceCase>[1]>[0]) => {
    const s = c.target.hooks.backend.settings;
    if (!s.rest_hook_send_hash || !s.rest_hook_secret_key) c.skip('the target declares no rest_hook_send_hash / rest_hook_secret_key');
  };

  conformanceCase(
    { id: 'H-6.1', title: 'a correctly signed hook is accepted', expected: 'Authorization: WCS <hex HMAC-MD5 of the body> → 200' },
    async (c) => {
      hashOn(c);
      checkAccepted(c, 'connect', await sendHook(c, 'connect', HOOKS.connect, { signature: 'valid' }));
    },
  );

  for (const [id, signature, what] of [['H-6.2', 'wrong', 'a wrong signature'], ['H-6.3', 'none', 'no Authorization header']] as const) {
    conformanceCase(
      { id, title: `${what}: 403 from a backend that checks`, expected: `${what} → HTTP 403` },
      async (c) => {
        hashOn(c);
        if (!c.target.hooks.backend.checksHash) return c.skip('the target does not declare that it checks signatures (hooks.backend.checksHash)');
        const r = await sendHook(c, 'connect', HOOKS.connect, { signature });
        c.check(r.status === 403, 'HTTP 403', `HTTP ${r.status}`);
      },
    );
  }
});
