import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The WCS OAM realm catalogue (public docs; CONTRACTS.md O-6): for each realm, the schema of its request payload and,
 * for list-like realms, of the items its response payload holds. Shared by the reference server and the suites.
 */
export interface Realm {
  request: string;
  /** Schema definition of each item of the response payload (the payload is an array), if any. */
  items?: string;
}

export const REALMS: Record<string, Realm> = {
  '/api/metric/list': { request: 'byId', items: 'metric' },
  '/api/profile/create': { request: 'profileCreate' },
  '/api/profile/update': { request: 'profileUpdate' },
  '/api/profile/delete': { request: 'byIdRequired' },
  '/api/profile/list': { request: 'byId', items: 'profile' },
  '/api/rule/create': { request: 'ruleCreate' },
  '/api/rule/update': { request: 'ruleUpdate' },
  '/api/rule/delete': { request: 'byIdRequired' },
  '/api/rule/list': { request: 'byId', items: 'rule' },
  '/api/node/update': { request: 'nodeUpdate' },
  '/api/node/delete': { request: 'byIdRequired' },
  '/api/node/list': { request: 'byId', items: 'node' },
  '/api/node_status/list': { request: 'byId', items: 'nodeStatus' },
  '/api/stream/list': { request: 'streamQuery', items: 'stream' },
  '/api/stream/metrics': { request: 'streamQuery', items: 'sample' },
  '/api/stream/history': { request: 'streamQuery', items: 'sample' },
  '/api/alarm/create': { request: 'alarmCreate' },
  '/api/alarm/update': { request: 'alarmUpdate' },
  '/api/alarm/delete': { request: 'byIdRequired' },
  '/api/alarm/list': { request: 'byId', items: 'alarm' },
};

/** HTTP reason phrases as the OAM API uses them (`SUCCESS` for 200). */
export const REASONS: Record<number, string> = {
  200: 'SUCCESS',
  400: 'Object not found',
  404: 'Not Found',
  500: 'Persist exception',
};

const require = createRequire(import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(require('../../schemas/oam.schema.json'));
const compiled = new Map<string, ValidateFunction>();

/** A validator for one definition of schemas/oam.schema.json. */
export function oamValidator(definition: string): ValidateFunction {
  let v = compiled.get(definition);
  if (!v) {
    v = ajv.getSchema(`oam#/definitions/${definition}`);
    if (!v) throw new Error(`schemas/oam.schema.json has no definition "${definition}"`);
    compiled.set(definition, v);
  }
  return v;
}

/** Validates and returns a readable list of problems (empty when valid). */
export function schemaProblems(definition: string, value: unknown): string[] {
  const v = oamValidator(definition);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}
