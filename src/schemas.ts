import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

/**
 * The project's JSON Schemas (schemas/*.schema.json), compiled ahead of time into schemas/validators.cjs
 * (src/schemas-build.ts, `npm run schemas`): `oam_<definition>`, `hooks_<definition>`, `target`, `baseline`.
 */
const require = createRequire(import.meta.url);
export const validators = require('../schemas/validators.cjs') as Record<string, ValidateFunction>;

export function validator(schema: 'oam' | 'hooks', definition: string): ValidateFunction {
  const v = validators[`${schema}_${definition}`];
  if (!v) throw new Error(`schemas/${schema}.schema.json has no definition "${definition}"`);
  return v;
}

/** Validates and returns a readable list of problems (empty when valid). */
export function problems(schema: 'oam' | 'hooks', definition: string, value: unknown): string[] {
  const v = validator(schema, definition);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}
