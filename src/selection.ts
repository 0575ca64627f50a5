import type { Endpoint } from './clauses.ts';

/** Which cases a run runs: the endpoints the user named (others only with --with-reference), `--case`, `--grep`. */
export interface Selection {
  endpoints?: Endpoint[];
  cases?: string[];
  /** Matched against `id title` only. */
  grep?: string;
}

/**
 * Whether a case is in the run's selection (cases left out are never run, and never reported). A module of its own:
 * the CLI narrows a run to the files of the selected cases (src/report/catalogue.ts) without loading the cases' runtime.
 */
export function selected(select: Selection | undefined, id: string, title: string, endpoint: Endpoint): boolean {
  if (!select) return true;
  if (select.endpoints && !select.endpoints.includes(endpoint)) return false;
  if (select.cases && !select.cases.includes(id)) return false;
  if (select.grep && !new RegExp(select.grep).test(`${id} ${title}`)) return false;
  return true;
}
