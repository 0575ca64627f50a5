import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { oamSettingsFrom, parseProperties } from '../../mocks/oam/settings.ts';
import { REALMS, schemaProblems } from '../../src/oam/realms.ts';
import { VALIDATORS_FILE, validatorsSource } from '../../src/schemas-build.ts';

const examples = JSON.parse(readFileSync(new URL('../../fixtures/oam/doc-examples.json', import.meta.url), 'utf8'));

describe('the documentation examples validate against schemas/oam.schema.json', () => {
  test.each(examples.requests as Array<{ realm: string; payload: unknown }>)('request $realm', (r) => {
    expect(schemaProblems('request', r)).toEqual([]);
    expect(schemaProblems(REALMS[r.realm].request, r.payload)).toEqual([]);
  });
  test.each(Object.entries(examples.restPayloads))('REST payload %s', (realm, payload) => {
    expect(schemaProblems(REALMS[realm].request, payload)).toEqual([]);
  });
  test('responses and list items', () => {
    for (const r of examples.responses) expect(schemaProblems('response', r)).toEqual([]);
    for (const r of examples.restResponses) expect(schemaProblems('restResponse', r)).toEqual([]);
    for (const [realm, items] of Object.entries(examples.listPayloads) as Array<[string, unknown[]]>) {
      for (const item of items) expect(schemaProblems(REALMS[realm].items!, item)).toEqual([]);
    }
  });
  test('the schemas refuse what the docs rule out', () => {
    expect(schemaProblems('alarmCreate', { type: '3', name: 'x', value: '1', metric: '4', time: '1' })).not.toEqual([]);
    expect(schemaProblems('request', { realm: '/api/metric/list', payload: {} })).not.toEqual([]);
    expect(schemaProblems('metric', { id: '3', name: 'Video rate', enumName: 'VIDEO_RATE' })).not.toEqual([]);
  });
});

describe('wcsoam.properties', () => {
  test('the documented settings are read; comments and spacing tolerated; bad values named', () => {
    const props = parseProperties('# OAM\nserver.port = 8090\nstomp_max_timeout=1000\n! legacy comment\naccess_control_allow_origin=*\n');
    expect(oamSettingsFrom(props)).toEqual({ port: 8090, stompMaxTimeoutMs: 1000, accessControlAllowOrigin: '*' });
    expect(() => oamSettingsFrom({ stomp_max_timeout: 'soon' }, 'wcsoam.properties')).toThrowError('wcsoam.properties: stomp_max_timeout must be a non-negative integer, not "soon"');
  });
});

test('schemas/validators.cjs is current: regenerate it with "npm run schemas" after changing a schema', () => {
  expect(readFileSync(VALIDATORS_FILE, 'utf8') === validatorsSource(), 'schemas/validators.cjs differs from what schemas/*.schema.json compile to').toBe(true);
});
