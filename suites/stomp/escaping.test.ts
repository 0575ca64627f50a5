import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { header, headerValues, type ParsedFrame } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, expectMessage, proveServed, roundTrip, showHeaders, subscribed } from './flows.ts';
import { SPEC } from './spec.ts';

/** A MESSAGE header must come back decoded to exactly `value`, with no escape violation on the wire. */
function checkHeader(c: CaseContext, m: ParsedFrame, name: string, value: string): void {
  const bad = m.violations.find((v) => v.rule === 'undefined-escape' || v.rule === 'unescaped-colon' || v.rule === 'cr-without-lf');
  c.check(!bad, `header ${name} escaped on the wire as STOMP 1.2 says`, bad?.message ?? '');
  const got = header(m, name);
  c.check(got === value, `${name}=${JSON.stringify(value)}`, got === undefined ? `no ${name} header: ${showHeaders(m as never)}` : `${name}=${JSON.stringify(got)}`);
}

describe.concurrent('S-5 header escaping', () => {
  conformanceCase(
    {
      id: 'S-5.1',
      requirement: SPEC.escapes,
      title: '\\r \\n \\c \\\\ in a SEND header decode to CR, LF, colon, backslash and are re-escaped on MESSAGE',
      expected: 'the MESSAGE header decodes to the same CR, LF, ":" and "\\" characters',
    },
    async (c) => {
      const value = 'a:b\\c\nd\re';
      const { message } = await roundTrip(c, { headers: { 'x-escaped': value } });
      checkHeader(c, message, 'x-escaped', value);
    },
  );

  conformanceCase(
    {
      id: 'S-5.2',
      requirement: SPEC.escapes,
      title: 'no nested decoding: \\\\r is a backslash followed by r',
      expected: 'wire value "\\\\r" arrives back as the two characters "\\" and "r"',
    },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\nx-nested:\\\\r\\\\n\\\\c\n\n\0` });
      checkHeader(c, message, 'x-nested', '\\r\\n\\c');
    },
  );

  conformanceCase(
    {
      id: 'S-5.3',
      requirement: `${SPEC.undefinedEscape} ${SPEC.sendRefused}`,
      title: 'an undefined escape (\\t) in a SEND header is a fatal error',
      expected: 'ERROR, then the server closes',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\nx-bad:tab\\there\n\n\0`);
      await expectErrorThenClose(c, s, 'the undefined escape \\t');
    },
  );

  conformanceCase(
    {
      id: 'S-5.4',
      requirement: `${SPEC.undefinedEscape} ${SPEC.subscribeRefused}`,
      title: 'an undefined escape in a SUBSCRIBE header is a fatal error',
      expected: 'ERROR, then the server closes',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SUBSCRIBE\nid:s\\x41\ndestination:${c.destination()}\n\n\0`);
      await expectErrorThenClose(c, s, 'the undefined escape \\x in SUBSCRIBE');
    },
  );

  conformanceCase(
    {
      id: 'S-5.5',
      requirement: `${SPEC.undefinedEscape} ${SPEC.sendRefused}`,
      title: 'a trailing lone backslash in a header value is a fatal error',
      expected: 'ERROR, then the server closes',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\nx-bad:end\\\n\n\0`);
      await expectErrorThenClose(c, s, 'a header value ending in a lone backslash');
    },
  );

  conformanceCase(
    {
      id: 'S-5.6',
      requirement: SPEC.noTrim,
      title: 'header values are never trimmed',
      expected: 'leading and trailing spaces and tabs of a header value survive the round trip',
    },
    async (c) => {
      const value = '  padded\t ';
      const { message } = await roundTrip(c, { headers: { 'x-padded': value } });
      checkHeader(c, message, 'x-padded', value);
    },
  );

  conformanceCase(
    {
      id: 'S-5.7',
      requirement: SPEC.escapes,
      title: 'escapes in header names are decoded too',
      expected: 'a header named "x\\cname" (wire) arrives back named "x:name"',
    },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\nx\\cname:v\n\n\0` });
      checkHeader(c, message, 'x:name', 'v');
    },
  );

  conformanceCase(
    {
      id: 'S-5.8',
      requirement: SPEC.utf8,
      title: 'multi-byte UTF-8 header values round-trip unchanged',
      expected: 'a header value with 2-, 3- and 4-byte characters arrives back identical',
    },
    async (c) => {
      const value = 'Grüße · 東京 · 🎥';
      const { message } = await roundTrip(c, { headers: { 'x-utf8': value } });
      checkHeader(c, message, 'x-utf8', value);
    },
  );
});

describe.concurrent('S-6 repeated headers', () => {
  conformanceCase(
    {
      id: 'S-6.1',
      requirement: SPEC.repeated,
      title: 'of a repeated header, the first occurrence is the value',
      expected: 'SEND with x-rep:first then x-rep:second → the MESSAGE has x-rep:first as its value',
    },
    async (c) => {
      const { message } = await roundTrip(c, { headers: [['x-rep', 'first'], ['x-rep', 'second']] });
      const values = headerValues(message, 'x-rep');
      c.check(values[0] === 'first', 'first x-rep value "first"', `x-rep values on MESSAGE: ${JSON.stringify(values)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-6.2',
      requirement: SPEC.repeated,
      title: 'a repeated destination header: the first one is used',
      expected: 'SEND with two destination headers is delivered to the first destination only',
    },
    async (c) => {
      const first = await subscribed(c, 'first destination', 'sub-first');
      const { s: other, destination: second } = await subscribed(c, 'second destination', 'sub-second');
      first.s.sendRaw(`SEND\ndestination:${first.destination}\ndestination:${second}\n\nrepeated\0`);
      await expectMessage(c, first.s, 'sub-first', 'delivery to the first destination');
      const stray = await other.nextFrame(c.target.stomp.timeouts.quietMs, (f) => f.command === 'MESSAGE');
      c.check(!stray, 'nothing delivered to the second destination', `MESSAGE on ${header(stray, 'destination')}`);
      await proveServed(c, other, 'the second destination\'s session');
    },
  );
});
