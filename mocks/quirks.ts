import { OAM_QUIRKS } from './oam/quirks.ts';
import { STOMP_QUIRKS } from './oam/stomp-quirks.ts';
import type { QuirkSpec } from './quirk-spec.ts';
import { HOOKS_QUIRKS } from './wcs/quirks.ts';
import { WEBSOCKETD_QUIRKS } from './websocketd/quirks.ts';

export type { QuirkSpec } from './quirk-spec.ts';

/**
 * Fault switches of the reference servers ("quirks"), each named after what it breaks and the clause whose cases must
 * catch it; each server folder keeps its own. The kill matrix (test/controls/) proves every one is caught.
 */
export const QUIRKS = { ...STOMP_QUIRKS, ...OAM_QUIRKS, ...WEBSOCKETD_QUIRKS, ...HOOKS_QUIRKS } as const;

export type Quirk = keyof typeof QUIRKS;

export function quirkSpec(quirk: Quirk): QuirkSpec {
  return QUIRKS[quirk];
}

/** The suite whose cases catch a quirk: `oam.*` → oam, `backend.*`/`wcs.*` (the hooks references) → hooks. */
export function quirkSuite(quirk: Quirk): string {
  const prefix = quirk.split('.')[0];
  return prefix === 'backend' || prefix === 'wcs' ? 'hooks' : prefix;
}

export function parseQuirks(names: readonly string[]): Set<Quirk> {
  const unknown = names.filter((n) => !(n in QUIRKS));
  if (unknown.length) throw new Error(`unknown quirk ${unknown.join(', ')} (known: ${Object.keys(QUIRKS).join(', ')})`);
  return new Set(names as Quirk[]);
}
