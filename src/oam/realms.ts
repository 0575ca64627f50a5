import { problems } from '../schemas.ts';

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

/** Validates against a definition of schemas/oam.schema.json; returns the problems (empty when valid). */
export function schemaProblems(definition: string, value: unknown): string[] {
  return problems('oam', definition, value);
}
