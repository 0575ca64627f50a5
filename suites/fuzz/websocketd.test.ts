import { describe, inject } from 'vitest';
import { fuzzCase } from '../../src/fuzz/cases.ts';
import { fuzzSettings } from '../../src/fuzz/property.ts';
import { clientMessagesProperty } from '../../src/fuzz/websocketd-wire.ts';
import { control } from '../websocketd/flows.ts';

/**
 * Fuzzing the Wazo websocketd client protocol (W-6, judged with W-2, W-7 and W-9): generated client messages, shrunk
 * to a minimal counterexample on failure, with a one-line replay command. `W-6.Rk`: a saved counterexample.
 */
const fuzz = fuzzSettings(inject('rtcOptions'));

describe('fuzz: Wazo websocketd client messages get the documented reply or close 4004, never a hang', () => {
  fuzzCase(
    {
      id: 'W-6.F1',
      title: 'fuzz: subscribe/start with mutated fields, unknown ops, invalid JSON, non-object JSON, binary frames',
      expected: 'each message gets its documented reply (none for subscribe after start) or the server closes with 4004, within the deadline',
    },
    (c) => {
      // The oracle is the documented profile's: wazo-v2 answers every command and knows more ops (W-12).
      if (c.target.websocketd.profile === 'wazo-v2') c.skip('the documented profile only: wazo-v2 answers subscribe after start and knows the token and ping ops (W-12)');
      // One token for the whole property; it must outlive the fuzz budget (shrinking included), or 4003 would be a false finding.
      const lifetimeS = Math.ceil((fuzz.timeMs * 2) / 1000) + 120;
      return clientMessagesProperty(c.target.websocketd, async () => (await control(c).token('full', lifetimeS)).token);
    },
  );
});
