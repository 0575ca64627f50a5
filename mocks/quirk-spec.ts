/** What a fault switch declares about itself; the kill matrix (test/controls/) holds every quirk to it. */
export interface QuirkSpec {
  /** The clause whose cases must catch the quirk. */
  clause: string;
  /** What the reference server does wrong with the quirk on (shown by `mock --quirk` and in the kill matrix). */
  breaks: string;
  /**
   * Cases of other clauses that legitimately fail too, and why (e.g. ERROR-then-close is asserted by cases of several
   * clauses). Anything failing outside `clause` and `collateral.clauses` is an unexplained collateral failure.
   */
  collateral?: { clauses: string[]; reason: string };
  /** The reference profile the quirk belongs to (passed as `--profile` by the kill matrix), e.g. `wazo-current`. */
  profile?: string;
}
