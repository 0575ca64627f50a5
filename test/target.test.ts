import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CLAUSES } from '../src/clauses.ts';
import { TargetError, loadTargetFile, parseTargetFile, targetSpec } from '../src/target/target.ts';

describe('target files', () => {
  test.each(['stomp', 'oam', 'hooks-backend', 'hooks-client'])('the README\'s example target file %s.example.json is valid', (name) => {
    const file = loadTargetFile(fileURLToPath(new URL(`../fixtures/targets/${name}.example.json`, import.meta.url)));
    expect(Object.keys(file).filter((k) => !['$schema', 'name'].includes(k))).toHaveLength(1);
  });

  test('the bundled example target files are valid', () => {
    const file = loadTargetFile(fileURLToPath(new URL('../fixtures/targets/rabbitmq-web-stomp.json', import.meta.url)));
    expect(file.stomp?.url).toBe('ws://127.0.0.1:15674/ws');
    const wazo = loadTargetFile(fileURLToPath(new URL('../fixtures/targets/wazo.example.json', import.meta.url)));
    expect(Object.keys(wazo.websocketd?.users ?? {})).toEqual(['full', 'limited', 'negated', 'no-websocketd']);
  });

  test('errors name every bad field', () => {
    const bad = JSON.stringify({ stomp: { url: 'ws://h/ws', timeouts: { responseMs: -5 }, insecure: 'yes' } });
    expect(() => parseTargetFile(bad, 't.json')).toThrowError(/t\.json: invalid target file:\n.*stomp\.insecure: must be boolean[\s\S]*stomp\.timeouts\.responseMs: must be >= 1/);
  });

  test('a target without a STOMP url is refused', () => {
    expect(() => parseTargetFile('{"stomp":{}}', 't.json')).toThrowError(/stomp: must have required property 'url'/);
  });

  test('flags override the file; credentials without an endpoint are a usage error', () => {
    const spec = targetSpec({ stomp: { url: 'ws://a/ws', login: 'x' } }, { stompUrl: 'wss://b/ws', login: 'y', insecure: true });
    expect(spec.stomp).toMatchObject({ url: 'wss://b/ws', login: 'y', insecure: true });
    expect(() => targetSpec(undefined, { login: 'guest' })).toThrowError(TargetError);
    expect(() => targetSpec(undefined, { stompUrl: 'http://x' })).toThrowError(/not a ws:\/\/, wss:\/\/, stomp:\/\/ or stomp\+ssl:\/\/ URL/);
  });
});

describe('the clause catalogue', () => {
  const contracts = fileURLToPath(new URL('../../shared/CONTRACTS.md', import.meta.url));
  test.runIf(existsSync(contracts))('src/clauses.ts matches CONTRACTS.md (ids, levels, text)', () => {
    const rows = [...readFileSync(contracts, 'utf8').matchAll(/^\| ([SOHW]-\d+) \| (MUST|SHOULD|INFO) \| (.*) \|$/gm)];
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.map((r) => [r[1], r[2], r[3].trim()])).toEqual([...CLAUSES.values()].map((c) => [c.id, c.level, c.text]));
  });
});
