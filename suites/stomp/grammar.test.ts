import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { StompParser, bodyText, header } from '../../src/stomp/index.ts';
import { connected, expectMessage, roundTrip, showHeaders, subscribed } from './flows.ts';
import { SPEC } from './spec.ts';

describe.concurrent('S-3 frame grammar', () => {
  conformanceCase(
    { id: 'S-3.1', requirement: SPEC.eol, title: 'LF line endings are accepted', expected: 'a SEND written with LF on every line is delivered as MESSAGE' },
    async (c) => {
      const { message } = await roundTrip(c, { body: 'lf' }, { raw: (d) => `SEND\ndestination:${d}\n\nlf\0` });
      c.check(bodyText(message) === 'lf', 'body "lf"', JSON.stringify(bodyText(message)));
    },
  );

  conformanceCase(
    { id: 'S-3.2', requirement: SPEC.eol, title: 'CRLF line endings are accepted on CONNECT', expected: 'CONNECT written with CRLF on every line is answered by CONNECTED' },
    async (c) => {
      const s = await c.stomp();
      const { host, login, passcode } = c.target.stomp;
      const creds = login !== undefined ? `login:${login}\r\npasscode:${passcode ?? ''}\r\n` : '';
      s.sendRaw(`CONNECT\r\naccept-version:1.2\r\nhost:${host ?? 'localhost'}\r\n${creds}\r\n\0`);
      const answer = await s.nextFrame(c.target.stomp.timeouts.responseMs);
      c.check(answer?.command === 'CONNECTED', 'CONNECTED', showHeaders(answer, s));
    },
  );

  conformanceCase(
    { id: 'S-3.3', requirement: SPEC.eol, title: 'CRLF line endings are accepted on SUBSCRIBE and SEND', expected: 'the CRLF SEND reaches the CRLF subscription as MESSAGE' },
    async (c) => {
      const s = await connected(c);
      const d = c.destination();
      s.sendRaw(`SUBSCRIBE\r\nid:crlf\r\ndestination:${d}\r\nreceipt:r1\r\n\r\n\0`);
      await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT');
      s.sendRaw(`SEND\r\ndestination:${d}\r\n\r\ncrlf\0`);
      const m = await expectMessage(c, s, 'crlf', 'SEND with CRLF line endings');
      c.check(bodyText(m) === 'crlf', 'body "crlf"', JSON.stringify(bodyText(m)));
    },
  );

  conformanceCase(
    { id: 'S-3.4', requirement: SPEC.eol, title: 'LF and CRLF mixed within one frame are accepted', expected: 'a SEND mixing LF and CRLF lines is delivered' },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\r\ndestination:${d}\nx-mixed:yes\r\n\nmixed\0` });
      c.check(header(message, 'x-mixed') === 'yes', 'x-mixed:yes on the MESSAGE', showHeaders(message));
    },
  );

  conformanceCase(
    {
      id: 'S-3.5',
      requirement: SPEC.nulEols,
      title: 'EOLs after a NUL (heart-beats) are accepted between frames',
      expected: 'LF and CRLF sequences after NUL are ignored; the next frame is processed',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(`SEND\ndestination:${destination}\n\none\0\n\n\r\n\r\n`);
      s.sendRaw(`\n\r\nSEND\ndestination:${destination}\n\ntwo\0`);
      const one = await expectMessage(c, s, id, 'first SEND, followed by EOLs');
      const two = await expectMessage(c, s, id, 'second SEND, preceded by EOLs');
      c.check(bodyText(one) === 'one' && bodyText(two) === 'two', 'bodies "one" then "two"', `${bodyText(one)}, ${bodyText(two)}`);
      c.check(s.isOpen, 'the connection stays open', 'closed');
    },
  );

  conformanceCase(
    {
      id: 'S-3.6',
      requirement: SPEC.grammar,
      title: 'every frame the server sends follows the grammar',
      expected: 'CONNECTED, RECEIPT and MESSAGE frames of a whole flow parse strictly: no grammar violation',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      s.send({ command: 'SEND', headers: { destination, receipt: 'r-1', 'x-a': 'a:b\\c' }, body: 'grammar\0check' });
      await expectMessage(c, s, id, 'round trip');
      await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'r-1');
      const violations: string[] = [];
      const strict = new StompParser({ onFrame: () => {}, onError: (e) => violations.push(`${e.rule} at byte ${e.offset}: ${e.message}`) });
      strict.push(s.transcript.received());
      c.check(violations.length === 0 && strict.idle, 'a received byte stream that parses strictly, ending on a frame boundary',
        violations[0] ?? `${strict.buffered} octets left over in an unfinished frame`);
    },
  );

  conformanceCase(
    { id: 'S-3.7', requirement: SPEC.grammar, title: 'a SEND with an empty body and no content-length is accepted', expected: 'MESSAGE with an empty body' },
    async (c) => {
      const { message } = await roundTrip(c, {}, { raw: (d) => `SEND\ndestination:${d}\n\n\0` });
      c.check(message.body.length === 0, 'an empty body', `${message.body.length} octets`);
    },
  );

  conformanceCase(
    {
      id: 'S-3.8',
      requirement: SPEC.grammar,
      title: 'a header value may be empty',
      expected: 'SEND with "x-empty:" is delivered and the MESSAGE keeps the empty value',
    },
    async (c) => {
      const { message } = await roundTrip(c, { headers: { 'x-empty': '' } });
      c.check(header(message, 'x-empty') === '', 'x-empty: (empty value)', showHeaders(message));
    },
  );
});
