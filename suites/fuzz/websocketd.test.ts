import { describe, inject } from 'vitest';
import { fuzzCase } from '../../src/fuzz/cases.ts';
import { fuzzSettings } from '../../src/fuzz/property.ts';
import { clientMessagesProperty } from '../../src/fuzz/websocketd-wire.ts';
import { control } from '../websocketd/flows.ts';

/**
 * Fuzzing the Wazo websocketd client protocol (W-6 only: init, reply shapes and silence after start are judged by
 * the W-2, W-7 and W-9 cases): generated client messages, shrunk
 * to a minimal counterexample on failure, with a one-line replay command. `W-6.Rk`: a saved counterexample.
 */
const fuzz = fuzzSettings(inject('rtcOptions'));

describe.concurrent('fuzz: Wazo websocketd client messages are answered or closed with 4004 as W-6 says, never a hang', () => {
  fuzzCase(
    {
      id: 'W-6.F1',
      title: 'fuzz: subscribe/start with mutated fields, unknown ops, invalid JSON, non-object JSON, binary frames',
      expected: 'each protocol error closes with 4004; each valid message is answered (subscribe after start: not judged), within the deadline',
    },
    (c) => {
      // One token for the whole property; it must outlive the fuzz budget (shrinking included), or 4003 would be a false finding.
      const lifetimeS = Math.ceil((fuzz.timeMs * 2) / 1000) + 120;
      return clientMessagesProperty(c.target.websocketd, async () => (await control(c).token('full', lifetimeS)).token);
    },
  );
});
