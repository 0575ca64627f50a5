import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { StompParser, escapeHeader, parseAll, serialize, type ParseEvent, type StompFrame } from '../../src/stomp/index.ts';
import { ESCAPED_COMMANDS, body, eol, fcParams, frame, heartbeats, trickyText } from '../../src/fuzz/arbitraries.ts';

/** What a parse produced, offsets included, in a form that compares with toEqual. */
function digest(events: ParseEvent[]) {
  return events.map((e) =>
    e.type === 'frame'
      ? { type: 'frame', command: e.frame.command, headers: e.frame.headers, body: Buffer.from(e.frame.body).toString('hex'), offset: e.frame.offset, length: e.frame.length }
      : e,
  );
}

const withoutContentLength = (f: StompFrame) => f.headers.filter(([n]) => n !== 'content-length');

describe('codec properties', () => {
  test('serialize → strict parse round-trips command, headers (order, repeats) and body octets', () => {
    fc.assert(
      fc.property(frame, eol, (f, e) => {
        const events = parseAll(serialize(f, { eol: e }));
        expect(events).toHaveLength(1);
        const [ev] = events;
        if (ev.type !== 'frame') throw new Error(`not a frame: ${JSON.stringify(ev)}`);
        expect(ev.frame.command).toBe(f.command);
        expect(withoutContentLength(ev.frame)).toEqual(f.headers);
        expect(Buffer.from(ev.frame.body).equals(Buffer.from(f.body))).toBe(true);
        expect(ev.frame.violations).toEqual([]);
      }),
      fcParams(500),
    );
  });

  test('chunk-split invariance: split at every index, in random chunks, byte by byte', () => {
    const stream = fc.array(fc.tuple(frame, eol, heartbeats), { minLength: 1, maxLength: 4 }).map((parts) =>
      Buffer.concat(parts.map(([f, e, hb]) => Buffer.concat([serialize(f, { eol: e }), Buffer.from(hb)]))),
    );
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const whole = digest(parseAll(bytes));
        for (let i = 0; i <= bytes.length; i++) expect(digest(parseAll([bytes.subarray(0, i), bytes.subarray(i)]))).toEqual(whole);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, bytes.length].slice(1).map((end, k, arr) => bytes.subarray(k === 0 ? 0 : arr[k - 1], end));
        expect(digest(parseAll(chunks))).toEqual(whole);
        expect(digest(parseAll([...bytes].map((b) => Buffer.from([b]))))).toEqual(whole);
      }),
      fcParams(100),
    );
  });

  test('content-length and NUL-scan read the same frame when the body has no NUL', () => {
    const noNul = body.map((b) => Buffer.from(b.filter((x) => x !== 0)));
    fc.assert(
      fc.property(frame, noNul, eol, (f, b, e) => {
        const withLength = parseAll(serialize({ ...f, body: b }, { eol: e }));
        const withoutLength = parseAll(serialize({ ...f, headers: f.headers, body: b }, { eol: e, contentLength: 'keep' }));
        const [a, c] = [withLength[0], withoutLength[0]];
        if (a.type !== 'frame' || c.type !== 'frame') throw new Error('expected frames');
        expect(withoutContentLength(a.frame)).toEqual(withoutContentLength(c.frame));
        expect(Buffer.from(a.frame.body).equals(Buffer.from(c.frame.body))).toBe(true);
      }),
      fcParams(300),
    );
  });

  test('an undefined escape is rejected at the offset of its backslash (strict) and kept literally (lenient)', () => {
    const badLetter = fc.constantFrom('t', 'x', 'a', '0', ' ', 'é', '"', 'R', 'N', 'C');
    fc.assert(
      fc.property(
        fc.constantFrom(...ESCAPED_COMMANDS),
        fc.array(fc.tuple(trickyText(1, 5), trickyText(0, 8)), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        badLetter,
        eol,
        (command, headers, which, where, letter, e) => {
          const h = which % headers.length;
          const tokens = [...headers[h][1]].map(escapeHeader);
          const at = where % (tokens.length + 1);
          const escapedValue = [...tokens.slice(0, at), `\\${letter}`, ...tokens.slice(at)].join('');
          let head = command + e;
          let offset = -1;
          headers.forEach(([n, v], i) => {
            if (i === h) {
              offset = Buffer.byteLength(head + escapeHeader(n) + ':' + tokens.slice(0, at).join(''));
              head += `${escapeHeader(n)}:${escapedValue}${e}`;
            } else head += `${escapeHeader(n)}:${escapeHeader(v)}${e}`;
          });
          const bytes = Buffer.from(`${head}${e}\0`);
          const strict = parseAll(bytes);
          expect(strict).toEqual([{ type: 'error', error: expect.objectContaining({ rule: 'undefined-escape', offset }) }]);
          const [lenient] = parseAll(bytes, { mode: 'lenient' });
          if (lenient.type !== 'frame') throw new Error('lenient mode must still read the frame');
          expect(lenient.frame.violations.map((v) => [v.rule, v.offset])).toContainEqual(['undefined-escape', offset]);
          const value = [...headers[h][1]].slice(0, at).join('') + `\\${letter}` + [...headers[h][1]].slice(at).join('');
          expect(lenient.frame.headers[h][1]).toBe(value);
        },
      ),
      fcParams(300),
    );
  });

  test('liveness: any input ends in frames, heart-beats, an error or buffered bytes, every octet accounted for', () => {
    const valid = fc.array(fc.tuple(frame, eol, heartbeats), { minLength: 1, maxLength: 3 }).map((parts) =>
      Buffer.concat(parts.map(([f, e, hb]) => Buffer.concat([serialize(f, { eol: e }), Buffer.from(hb)]))),
    );
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.constantFrom('flip', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat()).map(([bytes, edits, cut]) => {
      let b = [...bytes];
      for (const [kind, pos, value] of edits) {
        const i = pos % (b.length + 1);
        if (kind === 'flip' && i < b.length) b[i] = value;
        else if (kind === 'insert') b.splice(i, 0, value);
        else if (kind === 'delete') b.splice(i, 1);
      }
      b = b.slice(0, b.length - (cut % (b.length + 1)));
      return Buffer.from(b);
    });
    const input = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), mutated);
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 5 }), fc.constantFrom<'strict' | 'lenient'>('strict', 'lenient'), (bytes, cuts, mode) => {
        const events: ParseEvent[] = [];
        const parser = new StompParser(
          {
            onFrame: (f) => events.push({ type: 'frame', frame: f }),
            onHeartbeat: (o) => events.push({ type: 'heartbeat', offset: o }),
            onError: (err) => events.push({ type: 'error', error: err }),
          },
          { mode, limits: { maxBodyBytes: 1000, maxHeaderLineBytes: 100, maxHeaders: 10 } },
        );
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, bytes.length]) {
          parser.push(bytes.subarray(from, p));
          from = p;
        }
        const error = events.find((e) => e.type === 'error');
        if (error) {
          expect(error.error.offset).toBeLessThanOrEqual(bytes.length);
          expect(events.at(-1)).toBe(error);
          return;
        }
        let end = 0;
        for (const e of events) {
          if (e.type === 'frame') end = e.frame.offset + e.frame.length;
          if (e.type === 'heartbeat') end = e.offset + (bytes[e.offset] === 0x0d ? 2 : 1);
        }
        expect(end + parser.buffered).toBe(bytes.length);
      }),
      fcParams(1000),
    );
  });

  test('limits end in limit-exceeded instead of unbounded buffering', () => {
    const limits = { maxHeaders: 4, maxHeaderLineBytes: 32, maxBodyBytes: 64 };
    fc.assert(
      fc.property(fc.constantFrom('headers', 'line', 'body', 'content-length'), fc.integer({ min: 1, max: 50 }), (what, extra) => {
        const input =
          what === 'headers' ? `SEND\n${Array.from({ length: limits.maxHeaders + extra }, (_, i) => `h${i}:v\n`).join('')}\n\0`
          : what === 'line' ? `SEND\nh:${'v'.repeat(limits.maxHeaderLineBytes + extra)}`
          : what === 'body' ? `SEND\n\n${'b'.repeat(limits.maxBodyBytes + extra)}`
          : `SEND\ncontent-length:${limits.maxBodyBytes + extra}\n\n`;
        const parser = new StompParser({ onFrame: () => {} }, { limits });
        for (let i = 0; i < input.length; i += 7) parser.push(input.slice(i, i + 7));
        expect(parser.error?.rule).toBe('limit-exceeded');
      }),
      fcParams(200),
    );
  });
});
