import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { EACH_QUIRK_ENV, EACH_QUIRK_PROJECT } from './src/target/env.ts';

/** The conformance cases, run against the reference servers unless a target is given (src/cli.ts). */
function suitesProject(name: string): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      include: ['suites/**/*.test.ts'],
      globalSetup: ['src/target/global-setup.ts'],
      setupFiles: ['allure-vitest/setup', 'src/target/websocketd-sweep.ts'],
      testTimeout: 30_000,
      // Cases mostly wait on the servers' timers: many run at once in a file
      // (the CLI runs three files at a time: src/run.ts; a project may not set its own maxWorkers beside the others in npm test).
      maxConcurrency: 64,
      // In npm test, after the kill matrix (see the controls project).
      sequence: { groupOrder: 1 },
      // The suites keep no module state between files; sharing one module graph per worker halves a run's CPU.
      isolate: false,
      pool: 'threads',
    },
  };
}

/** The quirks of `run --each-quirk`, handed over by the CLI (none otherwise). */
function eachQuirk(): string[] {
  const each = process.env[EACH_QUIRK_ENV];
  return each ? (JSON.parse(each) as string[]) : [];
}

/**
 * Three projects: `harness` (the harness's own tests: codec properties, reference servers), `controls` (the kill
 * matrix of negative controls) and `suites` (the conformance cases, run against the reference servers unless a target
 * is given; see src/cli.ts).
 */
export default defineConfig({
  test: {
    // Two test files at a time (vitest's default on two cores is one): most of them wait on servers and on CLI runs
    // they spawn, not on the CPU. The CLI's own run sets its workers itself (src/run.ts).
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'harness',
          include: ['test/**/*.test.ts'],
          exclude: ['test/controls/**'],
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
          hookTimeout: 120_000,
        },
      },
      {
        // Negative controls (npm run test:controls): the kill matrix of the reference servers' quirks. In npm test it
        // runs first and alone: its six CLI runs at a time keep both cores busy, and a heavy test beside them (the fuzz
        // suite at 1,000 inputs per property) made timing cases of both broken.
        test: {
          name: 'controls',
          sequence: { groupOrder: 0 },
          include: ['test/controls/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
        },
      },
      suitesProject('suites'),
      // `run --each-quirk`: the same suites once per quirk, each project against its own reference servers (src/run.ts).
      ...eachQuirk().map((quirk) => suitesProject(EACH_QUIRK_PROJECT(quirk))),
    ],
  },
});
