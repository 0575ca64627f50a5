/**
 * Environment variables through which the CLI (or a user running vitest directly) hands the target and the run's
 * options to the suites' globalSetup (global-setup.ts); a module of its own, so that the CLI reads the names without
 * loading the reference servers.
 */
export const TARGET_ENV = 'RTC_CONFORMANCE_TARGET';
export const OPTIONS_ENV = 'RTC_CONFORMANCE_OPTIONS';
/** `run --each-quirk`: the quirks, one vitest project each (vitest.config.ts), named as EACH_QUIRK_PROJECT says. */
export const EACH_QUIRK_ENV = 'RTC_CONFORMANCE_EACH_QUIRK';
export const EACH_QUIRK_PROJECT = (quirk: string) => `suites@${quirk}`;
