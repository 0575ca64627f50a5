import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import type { StompSession } from '../../src/transport/stomp-session.ts';
import { connected, errorToJudge, expectErrorThenClose, expectRefusedOrIgnored, showHeaders } from './flows.ts';
import { SPEC } from './spec.ts';

/**
 * One malformed input per case. A SEND the server cannot process must be answered by ERROR, then close (MUST); a
 * frame outside the client frames may be refused (ERROR then close, MAY) or ignored, but never answered by silence.
 */
const MALFORMED: Array<{ id: string; title: string; frame: (destination: string) => string; connect?: false; refusal: 'must' | 'may' }> = [
  { id: 'S-9.1', title: 'an unknown command', frame: () => 'FLY\ndestination:/nowhere\n\n\0', refusal: 'may' },
  { id: 'S-9.2', title: 'a SEND header line without a colon', frame: (d) => `SEND\ndestination:${d}\nno-colon-here\n\n\0`, refusal: 'must' },
  { id: 'S-9.3', title: 'a non-numeric content-length', frame: (d) => `SEND\ndestination:${d}\ncontent-length:ten\n\n0123456789\0`, refusal: 'must' },
  { id: 'S-9.4', title: 'a negative content-length', frame: (d) => `SEND\ndestination:${d}\ncontent-length:-1\n\nx\0`, refusal: 'must' },
  { id: 'S-9.5', title: 'SEND without destination', frame: () => 'SEND\n\nno destination\0', refusal: 'must' },
  { id: 'S-9.6', title: 'a frame before CONNECT', frame: (d) => `SEND\ndestination:${d}\n\ntoo early\0`, connect: false, refusal: 'may' },
  { id: 'S-9.7', title: 'a CR not followed by LF in a SEND header line', frame: (d) => `SEND\ndestination:${d}\nx-cr:a\rb\n\n\0`, refusal: 'must' },
  { id: 'S-9.8', title: 'a server command (MESSAGE) sent by the client', frame: (d) => `MESSAGE\ndestination:${d}\nmessage-id:1\nsubscription:0\n\n\0`, refusal: 'may' },
  { id: 'S-9.9', title: 'a second CONNECT on a connected session', frame: () => 'CONNECT\naccept-version:1.2\nhost:localhost\n\n\0', refusal: 'may' },
];

/** Is the session still served after the frame was ignored? Connected: a SUBSCRIBE gets its RECEIPT; not yet: CONNECT gets CONNECTED. */
async function stillServed(c: CaseContext, s: StompSession, isConnected: boolean): Promise<boolean> {
  const { responseMs } = c.target.stomp.timeouts;
  if (!isConnected) return (await s.connect({}, { timeoutMs: responseMs }))?.command === 'CONNECTED';
  s.subscribe(c.destination('after'), 'after', { receipt: 'still-served' });
  return !!(await s.nextFrame(responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'still-served'));
}

describe.concurrent('S-9 ERROR then close', () => {
  for (const m of MALFORMED) {
    conformanceCase(
      m.refusal === 'must'
        ? { id: m.id, requirement: SPEC.sendRefused, title: `${m.title} is answered by ERROR, then close`, expected: 'ERROR, then the server closes the connection' }
        : {
            id: m.id,
            requirement: `${SPEC.unknownFrame} ${SPEC.errorClose}`,
            title: `${m.title} is refused by ERROR then close, or ignored`,
            expected: 'ERROR then close (an ERROR not followed by the close fails), or a close, or the frame ignored with the session still served; never silence',
          },
      async (c) => {
        const s = m.connect === false ? await c.stomp() : await connected(c);
        s.sendRaw(m.frame(c.destination()));
        if (m.refusal === 'must') await expectErrorThenClose(c, s, m.title);
        else await expectRefusedOrIgnored(c, s, m.title, () => stillServed(c, s, m.connect !== false));
      },
    );
  }

  conformanceCase(
    {
      id: 'S-9.10',
      title: 'ERROR carries a message header',
      level: 'SHOULD',
      requirement: SPEC.errorMessage,
      expected: 'a non-empty message header on the ERROR',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('SEND\n\nno destination\0');
      const error = await errorToJudge(c, s, 'S-9.5');
      c.check(!!header(error, 'message'), 'message header', showHeaders(error));
    },
  );

  conformanceCase(
    {
      id: 'S-9.11',
      title: 'ERROR answering a frame with receipt carries its receipt-id',
      level: 'SHOULD',
      requirement: SPEC.errorReceiptId,
      expected: 'receipt-id:bad-frame on the ERROR',
    },
    async (c) => {
      const s = await connected(c);
      s.sendRaw('SEND\nreceipt:bad-frame\n\nno destination\0');
      const error = await errorToJudge(c, s, 'S-9.5');
      c.check(header(error, 'receipt-id') === 'bad-frame', 'receipt-id:bad-frame', showHeaders(error));
    },
  );
});
