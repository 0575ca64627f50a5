import { Buffer } from 'node:buffer';
import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { checkContentLength, checkContentLengthPresent, connected, errorToJudge, expectErrorThenClose, expectMessage, roundTrip, subscribed } from './flows.ts';
import { SPEC } from './spec.ts';

describe.concurrent('S-4 content-length', () => {
  conformanceCase(
    { id: 'S-4.1', requirement: SPEC.contentLengthRead, title: 'a MESSAGE content-length equals its body octets (ASCII)', expected: 'content-length, when present, equal to the body octets' },
    async (c) => {
      const { message } = await roundTrip(c, { body: '{"requestId":"r1","status":200}' });
      checkContentLength(c, message, 'MESSAGE', false);
    },
  );

  conformanceCase(
    {
      id: 'S-4.2',
      requirement: SPEC.contentLengthRead,
      title: 'content-length counts UTF-8 octets, not characters',
      expected: 'a MESSAGE whose body has 2-, 3- and 4-byte characters declares its octet count',
    },
    async (c) => {
      const body = 'Zürich — 東京 — 🎥 «ok»';
      const { message } = await roundTrip(c, { body });
      c.measure('characters', [...body].length);
      checkContentLength(c, message, 'MESSAGE', false);
      c.check(Buffer.from(message.body).toString('utf8') === body, JSON.stringify(body), JSON.stringify(Buffer.from(message.body).toString('utf8')));
    },
  );

  conformanceCase(
    {
      id: 'S-4.3',
      requirement: `${SPEC.contentLengthNul} ${SPEC.contentLengthRead}`,
      title: 'a body with NULs is read by content-length, NULs included, and its MESSAGE carries one',
      expected: 'the MESSAGE body equals the SEND body octet for octet, NULs included, with a content-length (required: the body has NULs)',
    },
    async (c) => {
      const body = Buffer.from('a\0b\0\0c', 'latin1');
      const { message } = await roundTrip(c, { body });
      c.check(Buffer.from(message.body).equals(body), 'body 61 00 62 00 00 63', Buffer.from(message.body).toString('hex').replace(/(..)/g, '$1 ').trim());
      checkContentLength(c, message, 'MESSAGE', true);
    },
  );

  conformanceCase(
    { id: 'S-4.4', requirement: SPEC.contentLengthRead, title: 'content-length:0 with an empty body is accepted', expected: 'MESSAGE with an empty body' },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\ncontent-length:0\n\n\0` });
      c.check(message.body.length === 0, 'empty body', `${message.body.length} octets`);
    },
  );

  conformanceCase(
    {
      id: 'S-4.5',
      requirement: `${SPEC.contentLengthRead} ${SPEC.nulEols}`,
      title: 'exactly content-length octets are read, then NUL: EOLs after it are heart-beats',
      expected: 'content-length:5 body "hello", then NUL and EOLs: one MESSAGE "hello", session still usable',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(`SEND\ndestination:${destination}\ncontent-length:5\n\nhello\0\n\n`);
      const m = await expectMessage(c, s, id, 'SEND with content-length:5');
      c.check(Buffer.from(m.body).toString() === 'hello', 'body "hello"', JSON.stringify(Buffer.from(m.body).toString()));
      s.send({ command: 'SEND', headers: { destination }, body: 'next' });
      await expectMessage(c, s, id, 'the following SEND');
    },
  );

  conformanceCase(
    {
      id: 'S-4.6',
      requirement: `${SPEC.contentLengthRead} ${SPEC.sendRefused}`,
      title: 'content-length too small (no NUL where it says) is refused with ERROR then close',
      expected: 'content-length:2 with a 5-octet body: ERROR, then the server closes',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\ncontent-length:2\n\nhello\0`);
      await expectErrorThenClose(c, s, 'a content-length smaller than the body');
    },
  );

  conformanceCase(
    {
      id: 'S-4.7',
      level: 'SHOULD',
      requirement: SPEC.errorContentLength,
      title: 'an ERROR with a body carries a content-length',
      expected: 'the ERROR answering a bad frame, when it has a body, has a content-length header',
    },
    async (c) => {
      const error = await errorFor(c);
      checkContentLengthPresent(c, error, 'ERROR');
    },
  );

  conformanceCase(
    {
      id: 'S-4.9',
      level: 'SHOULD',
      requirement: SPEC.contentLengthShould,
      title: 'a MESSAGE with a body carries a content-length',
      expected: 'the MESSAGE of a SEND with a body (and a content-length) has a content-length header',
    },
    async (c) => {
      const { message } = await roundTrip(c, { body: 'counted' });
      checkContentLengthPresent(c, message, 'MESSAGE');
    },
  );

  conformanceCase(
    {
      id: 'S-4.10',
      requirement: SPEC.contentLengthRead,
      title: 'an ERROR content-length equals its body octets',
      expected: 'the content-length of the ERROR answering a bad frame, when present, equals its body octets',
    },
    async (c) => {
      const error = await errorFor(c);
      checkContentLength(c, error, 'ERROR', false);
    },
  );

  conformanceCase(
    {
      id: 'S-4.11',
      requirement: `${SPEC.nulEols} ${SPEC.contentLengthRead}`,
      title: 'a SEND without content-length is delivered up to its NUL, and the MESSAGE counts those octets',
      expected: 'SEND "no length, ünïcode" without content-length: the MESSAGE body is those octets; a content-length on it, if any, counts them',
    },
    async (c) => {
      const body = 'no length, ünïcode';
      const { message } = await roundTrip(c, {}, { raw: (d) => Buffer.from(`SEND\ndestination:${d}\n\n${body}\0`) });
      c.check(Buffer.from(message.body).toString('utf8') === body, JSON.stringify(body), JSON.stringify(Buffer.from(message.body).toString('utf8')));
      c.note(`S-4.11: the MESSAGE of a SEND without content-length carries ${header(message, 'content-length') === undefined ? 'none' : `content-length:${header(message, 'content-length')}`}`);
      checkContentLength(c, message, 'MESSAGE', false);
    },
  );

  conformanceCase(
    {
      id: 'S-4.12',
      level: 'SHOULD',
      requirement: SPEC.contentLengthShould,
      title: 'the MESSAGE of a SEND without content-length carries one',
      expected: 'SEND with a body and no content-length: the server adds content-length to the MESSAGE it delivers',
    },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\n\nthe client did not count\0` });
      checkContentLengthPresent(c, message, 'MESSAGE');
    },
  );
});

/** The ERROR answering a SEND without destination, with a body (cases that need one skip without). */
async function errorFor(c: CaseContext) {
  const s = await connected(c);
  s.sendRaw('SEND\n\nno destination\0');
  const error = await errorToJudge(c, s, 'S-9.5');
  if (error.body.length === 0) return c.skip('the ERROR has no body: nothing to count');
  return error;
}
