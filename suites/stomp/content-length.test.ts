import { Buffer } from 'node:buffer';
import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { checkContentLength, connected, expectErrorThenClose, expectMessage, roundTrip, subscribed } from './flows.ts';

describe('S-4 content-length', () => {
  conformanceCase(
    { id: 'S-4.1', title: 'MESSAGE carries a content-length equal to its body octets (ASCII)', expected: 'content-length equal to the body octets' },
    async (c) => {
      const { message } = await roundTrip(c, { body: '{"requestId":"r1","status":200}' });
      checkContentLength(c, message, 'MESSAGE');
    },
  );

  conformanceCase(
    {
      id: 'S-4.2',
      title: 'content-length counts UTF-8 octets, not characters',
      expected: 'a MESSAGE whose body has 2-, 3- and 4-byte characters declares its octet count',
    },
    async (c) => {
      const body = 'Zürich — 東京 — 🎥 «ok»';
      const { message } = await roundTrip(c, { body });
      c.measure('characters', [...body].length);
      checkContentLength(c, message, 'MESSAGE');
      c.check(Buffer.from(message.body).toString('utf8') === body, JSON.stringify(body), JSON.stringify(Buffer.from(message.body).toString('utf8')));
    },
  );

  conformanceCase(
    {
      id: 'S-4.3',
      title: 'a body with NULs is read by content-length, NULs included',
      expected: 'the MESSAGE body equals the SEND body octet for octet, NULs included, with a matching content-length',
    },
    async (c) => {
      const body = Buffer.from('a\0b\0\0c', 'latin1');
      const { message } = await roundTrip(c, { body });
      c.check(Buffer.from(message.body).equals(body), 'body 61 00 62 00 00 63', Buffer.from(message.body).toString('hex').replace(/(..)/g, '$1 ').trim());
      checkContentLength(c, message, 'MESSAGE');
    },
  );

  conformanceCase(
    { id: 'S-4.4', title: 'content-length:0 with an empty body is accepted', expected: 'MESSAGE with an empty body' },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\ncontent-length:0\n\n\0` });
      c.check(message.body.length === 0, 'empty body', `${message.body.length} octets`);
    },
  );

  conformanceCase(
    {
      id: 'S-4.5',
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
      title: 'ERROR frames with a body carry a correct content-length',
      expected: 'the ERROR answering a bad frame has content-length equal to its body octets',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('BOGUS\n\n\0');
      const error = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'ERROR');
      if (!error) return c.skip('the server sent no ERROR (judged by the S-9 cases)');
      if (error.body.length === 0) return c.skip('the ERROR has no body: nothing to count');
      checkContentLength(c, error, 'ERROR');
    },
  );

  conformanceCase(
    {
      id: 'S-4.8',
      title: 'a content-length larger than the octets that follow keeps the frame open (no early delivery)',
      expected: 'content-length:10 with 4 octets sent: no MESSAGE until the remaining octets and the NUL arrive',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(`SEND\ndestination:${destination}\ncontent-length:10\n\nab\0c`);
      const early = await s.nextFrame(c.target.stomp.timeouts.quietMs, (f) => f.command === 'MESSAGE');
      c.check(!early, 'no MESSAGE yet: the body is 10 octets, NUL included as data', `MESSAGE with ${early?.body.length} octets`);
      s.sendRaw('defghi\0');
      const m = await expectMessage(c, s, id, 'after the remaining 6 octets');
      c.check(Buffer.from(m.body).equals(Buffer.from('ab\0cdefghi', 'latin1')), 'body "ab\\0cdefghi"', JSON.stringify(Buffer.from(m.body).toString('latin1')));
    },
  );
});
