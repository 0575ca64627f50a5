import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

/** The project's JSON Schemas (schemas/*.schema.json), compiled once, addressed as `<$id>#/definitions/<name>`. */
const require = createRequire(import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(require('../schemas/oam.schema.json'));
ajv.addSchema(require('../schemas/hooks.schema.json'));
const compiled = new Map<string, ValidateFunction>();

export function validator(schema: 'oam' | 'hooks', definition: string): ValidateFunction {
  const key = `${schema}#/definitions/${definition}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.getSchema(key);
    if (!v) throw new Error(`schemas/${schema}.schema.json has no definition "${definition}"`);
    compiled.set(key, v);
  }
  return v;
}

/** Validates and returns a readable list of problems (empty when valid). */
export function problems(schema: 'oam' | 'hooks', definition: string, value: unknown): string[] {
  const v = validator(schema, definition);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}
