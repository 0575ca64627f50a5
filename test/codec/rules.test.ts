import { describe, expect, test } from 'vitest';
import { parseAll, serialize, type StompRule } from '../../src/stomp/index.ts';

/** One input per grammar rule, with the exact byte offset each violation must carry. */
const CASES: Array<{ rule: StompRule; input: string; offset: number; lenientBody?: string }> = [
  { rule: 'undefined-escape', input: 'SEND\ndestination:/a\\tb\n\n\0', offset: 19 },
  { rule: 'cr-without-lf', input: 'SEND\nx:a\rb\n\n\0', offset: 8 },
  { rule: 'cr-without-lf', input: 'SEND\n\n\0\rSEND\n\n\0', offset: 7 },
  { rule: 'missing-nul', input: 'SEND\ncontent-length:2\n\nabc\0', offset: 25, lenientBody: 'abc' },
  { rule: 'bad-content-length', input: 'SEND\ncontent-length:ten\n\nten\0', offset: 20, lenientBody: 'ten' },
  { rule: 'bad-content-length', input: 'SEND\ncontent-length:-1\n\nx\0', offset: 20, lenientBody: 'x' },
  { rule: 'bad-content-length', input: 'SEND\ncontent-length: 1\n\nx\0', offset: 20, lenientBody: 'x' },
  { rule: 'header-without-colon', input: 'SEND\nnocolon\n\n\0', offset: 5 },
  { rule: 'empty-header-name', input: 'SEND\n:value\n\n\0', offset: 5 },
  { rule: 'unescaped-colon', input: 'SEND\nx:a:b\n\n\0', offset: 8 },
  { rule: 'invalid-utf8', input: 'SEND\nx:\u00ff\n\n\0', offset: 0 },
];

describe('grammar rules: strict mode reports rule and offset, lenient mode reads on', () => {
  test.each(CASES)('$rule in $input', ({ rule, input, offset, lenientBody }) => {
    const bytes = rule === 'invalid-utf8' ? Buffer.from(input, 'latin1') : Buffer.from(input);
    const strict = parseAll(bytes);
    const error = strict.find((e) => e.type === 'error');
    expect(error).toMatchObject({ type: 'error', error: { rule, offset } });
    const lenient = parseAll(bytes, { mode: 'lenient' }).filter((e) => e.type === 'frame');
    expect(lenient.length).toBeGreaterThan(0);
    const violations = lenient.flatMap((e) => (e.type === 'frame' ? e.frame.violations : []));
    expect(violations).toContainEqual(expect.objectContaining({ rule, offset }));
    if (lenientBody !== undefined && lenient[0].type === 'frame') expect(Buffer.from(lenient[0].frame.body).toString()).toBe(lenientBody);
  });

  test('CONNECT and CONNECTED are not unescaped: backslashes and colons are literal', () => {
    const [e] = parseAll('CONNECT\nhost:a:b\\t\n\n\0');
    expect(e).toMatchObject({ type: 'frame', frame: { headers: [['host', 'a:b\\t']], violations: [] } });
  });

  test('no nested decoding; no trimming; the first of repeated headers is the value', () => {
    const [e] = parseAll('SEND\nx:\\\\n\ny: padded \ny:second\n\n\0');
    expect(e).toMatchObject({ type: 'frame', frame: { headers: [['x', '\\n'], ['y', ' padded '], ['y', 'second']] } });
  });

  test('a command line that is not upper-case letters is refused at once, before any blank line', () => {
    expect(parseAll(Buffer.from([0xff, 0xfe, 0x0a]))).toMatchObject([{ type: 'error', error: { rule: 'invalid-command', offset: 0 } }]);
    expect(parseAll('\n\nsend\n')).toMatchObject([{ type: 'heartbeat' }, { type: 'heartbeat' }, { type: 'error', error: { rule: 'invalid-command', offset: 2 } }]);
  });

  test('limits: header count, header line length, body size, announced content-length', () => {
    const limits = { maxHeaders: 2, maxHeaderLineBytes: 10, maxBodyBytes: 5 };
    for (const input of ['SEND\na:1\nb:2\nc:3\n\n\0', 'SEND\nx:0123456789\n\n\0', 'SEND\n\n123456\0', 'SEND\ncontent-length:6\n\n']) {
      expect(parseAll(input, { limits }).at(-1), input).toMatchObject({ type: 'error', error: { rule: 'limit-exceeded' } });
    }
    expect(parseAll('SEND\na:1\nb:2\n\n12345\0', { limits }).map((e) => e.type)).toEqual(['frame']);
  });

  test('the serializer writes the body octet count, escapes, and never escapes CONNECT', () => {
    expect(serialize({ command: 'SEND', headers: { 'a:b': 'c\nd\\' }, body: 'é' }).toString()).toBe('SEND\na\\cb:c\\nd\\\\\ncontent-length:2\n\né\0');
    expect(serialize({ command: 'CONNECT', headers: { host: 'h:1' } }).toString()).toBe('CONNECT\nhost:h:1\n\n\0');
    expect(serialize({ command: 'SEND', headers: [['content-length', '99']], body: 'abc' }).toString()).toBe('SEND\ncontent-length:3\n\nabc\0');
  });
});
