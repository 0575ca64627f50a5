import type { Command, OptionValues } from './command.ts';

export const listCommand: Command = {
  name: 'list',
  summary: 'Print every case with its clause, level and requirement (no target needed), or the quirks of the reference servers.',
  options: {
    suite: { type: 'string', value: 'S', help: 'one suite (stomp, oam, websocketd, hooks, fuzz)' },
    json: { type: 'boolean', default: false, help: 'one JSON array of {id, suite, clause, level, title, requirement, expected}' },
    quirks: { type: 'boolean', default: false, help: 'list the fault switches of the reference servers (for --quirk) with the clause each breaks' },
  },
  async run(v: OptionValues): Promise<number> {
    const { CLAUSES } = await import('../clauses.ts');
    if (v.quirks) {
      const { QUIRKS, quirkSuite } = await import('../../mocks/quirks.ts');
      const rows = Object.entries(QUIRKS)
        .filter(([name]) => !v.suite || quirkSuite(name as never) === v.suite)
        .map(([name, q]) => ({ name, suite: quirkSuite(name as never), clause: q.clause, breaks: q.breaks }));
      if (v.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) process.stdout.write(`${r.name.padEnd(44)} ${r.clause.padEnd(5)} ${r.breaks}\n`);
      if (!v.json) process.stdout.write(`${rows.length} quirks (run --quirk NAME, mock --quirk NAME)\n`);
      return 0;
    }
    const [{ listCases }, { compareIds }] = await Promise.all([import('../report/catalogue.ts'), import('../report/summary.ts')]);
    const cases = (await listCases(v.suite as string | undefined)).sort((a, b) => compareIds(a.id, b.id));
    if (v.json) {
      process.stdout.write(JSON.stringify(cases, null, 2) + '\n');
      return 0;
    }
    for (const clause of CLAUSES.values()) {
      const mine = cases.filter((c) => c.clause === clause.id);
      // A protocol's own suite shows its uncovered clauses too; other suites (fuzz) only the clauses they touch.
      if (v.suite && clause.protocol !== v.suite && mine.length === 0) continue;
      process.stdout.write(`${clause.id} [${clause.level}] ${clause.text}${mine.length ? '' : ' (no cases yet)'}\n`);
      for (const c of mine) process.stdout.write(`  ${c.id.padEnd(8)} ${c.level.padEnd(6)} ${c.title}\n`);
    }
    process.stdout.write(`${cases.length} cases\n`);
    return 0;
  },
};
