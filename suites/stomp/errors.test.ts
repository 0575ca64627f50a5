import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, showHeaders } from './flows.ts';

/** One malformed input per case: the server must answer ERROR, then close (S-9). */
const MALFORMED: Array<{ id: string; title: string; frame: (destination: string) => string; connect?: false }> = [
  { id: 'S-9.1', title: 'an unknown command', frame: () => 'FLY\ndestination:/nowhere\n\n\0' },
  { id: 'S-9.2', title: 'a header line without a colon', frame: (d) => `SEND\ndestination:${d}\nno-colon-here\n\n\0` },
  { id: 'S-9.3', title: 'a non-numeric content-length', frame: (d) => `SEND\ndestination:${d}\ncontent-length:ten\n\n0123456789\0` },
  { id: 'S-9.4', title: 'a negative content-length', frame: (d) => `SEND\ndestination:${d}\ncontent-length:-1\n\nx\0` },
  { id: 'S-9.5', title: 'SEND without destination', frame: () => 'SEND\n\nno destination\0' },
  { id: 'S-9.6', title: 'a frame before CONNECT', frame: (d) => `SEND\ndestination:${d}\n\ntoo early\0`, connect: false },
  { id: 'S-9.7', title: 'a CR not followed by LF in a header line', frame: (d) => `SEND\ndestination:${d}\nx-cr:a\rb\n\n\0` },
  { id: 'S-9.8', title: 'a server command (MESSAGE) sent by the client', frame: (d) => `MESSAGE\ndestination:${d}\nmessage-id:1\nsubscription:0\n\n\0` },
  { id: 'S-9.9', title: 'a second CONNECT on a connected session', frame: () => 'CONNECT\naccept-version:1.2\nhost:localhost\n\n\0' },
];

describe('S-9 ERROR then close', () => {
  for (const m of MALFORMED) {
    conformanceCase(
      { id: m.id, title: `${m.title} is answered by ERROR, then close`, expected: 'ERROR, then the server closes the connection' },
      async (c) => {
        const s = m.connect === false ? await c.stomp() : await connected(c);
        s.sendRaw(m.frame(c.destination()));
        await expectErrorThenClose(c, s, m.title);
      },
    );
  }

  conformanceCase(
    {
      id: 'S-9.10',
      title: 'ERROR carries a message header',
      level: 'SHOULD',
      requirement: 'STOMP 1.2: the ERROR frame SHOULD contain a message header with a short description of the error.',
      expected: 'a non-empty message header on the ERROR',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('FLY\n\n\0');
      const error = await s.nextCommand('ERROR', c.target.stomp.timeouts.responseMs);
      if (!error) return c.skip('no ERROR at all (judged by S-9.1)');
      c.check(!!header(error, 'message'), 'message header', showHeaders(error));
    },
  );

  conformanceCase(
    {
      id: 'S-9.11',
      title: 'ERROR answering a frame with receipt carries its receipt-id',
      level: 'SHOULD',
      requirement: 'STOMP 1.2: if the error is related to a specific frame sent from the client, the server SHOULD add a receipt-id header.',
      expected: 'receipt-id:bad-frame on the ERROR',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('SEND\nreceipt:bad-frame\n\nno destination\0');
      const error = await s.nextCommand('ERROR', c.target.stomp.timeouts.responseMs);
      if (!error) return c.skip('no ERROR at all (judged by S-9.5)');
      c.check(header(error, 'receipt-id') === 'bad-frame', 'receipt-id:bad-frame', showHeaders(error));
    },
  );

  conformanceCase(
    {
      id: 'S-9.12',
      title: 'a malformed frame is refused even when it arrives split over WebSocket messages',
      expected: 'ERROR, then close, for an undefined escape whose backslash and letter arrive in separate messages',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\nx-bad:a\\`);
      s.sendRaw('q\n\n\0');
      await expectErrorThenClose(c, s, 'an undefined escape split over two messages');
    },
  );
});
