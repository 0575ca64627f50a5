import { Buffer } from 'node:buffer';
import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { bodyText, header, serialize } from '../../src/stomp/index.ts';
import { connected, expectErrorThenClose, needsStreamFraming, observe, showHeaders, subscribed, webSocketOnly } from './flows.ts';
import { SPEC } from './spec.ts';

/**
 * S-12 records what the server does with WebSocket messages: STOMP 1.2 says nothing about them. Cases that split a
 * frame over messages or put several in one are skipped when the target declares `frame-per-message`; under `stream`
 * (the default) they record whether the server does reassemble.
 */
describe.concurrent('S-12 WebSocket framing (recorded)', () => {
  conformanceCase(
    {
      id: 'S-12.1',
      requirement: SPEC.websocket,
      title: 'the negotiated subprotocol is one of v10.stomp, v11.stomp, v12.stomp',
      expected: 'the server picks v12.stomp when offered all three',
    },
    async (c) => {
      webSocketOnly(c);
      const s = await c.stomp();
      observe(c, 'subprotocol', s.ws.protocol || '(none)', `offered v12.stomp, v11.stomp, v10.stomp; the server chose ${s.ws.protocol || 'none'}`);
      c.check(s.ws.protocol === 'v12.stomp', 'v12.stomp', s.ws.protocol || '(none)');
    },
  );

  conformanceCase(
    {
      id: 'S-12.2',
      requirement: SPEC.websocket,
      title: 'a connection offering only v12.stomp is accepted',
      expected: 'the handshake succeeds with subprotocol v12.stomp',
    },
    async (c) => {
      webSocketOnly(c);
      const s = await c.stomp('v12 only', { protocols: ['v12.stomp'] });
      observe(c, 'subprotocol', s.ws.protocol || '(none)', `offered only v12.stomp; the server chose ${s.ws.protocol || 'none'}`);
      c.check(s.ws.protocol === 'v12.stomp', 'v12.stomp', s.ws.protocol || '(none)');
    },
  );

  conformanceCase(
    {
      id: 'S-12.3',
      requirement: SPEC.websocket,
      title: 'a frame split over several WebSocket messages is reassembled',
      expected: 'a SEND cut into 3 messages is delivered once',
    },
    async (c) => {
      webSocketOnly(c);
      needsStreamFraming(c, 'a frame split over three messages');
      const { s, destination, id } = await subscribed(c);
      const bytes = serialize({ command: 'SEND', headers: { destination }, body: 'split in three' });
      const a = Math.floor(bytes.length / 3);
      s.sendRaw(bytes.subarray(0, a));
      s.sendRaw(bytes.subarray(a, 2 * a));
      s.sendRaw(bytes.subarray(2 * a));
      const m = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      observe(c, 'split SEND (3 messages)', m ? m.command : 'nothing', `a SEND in 3 messages was answered by ${showHeaders(m, s)}`);
      c.check(m?.command === 'MESSAGE' && bodyText(m) === 'split in three', 'MESSAGE with body "split in three"', showHeaders(m, s));
    },
  );

  conformanceCase(
    {
      id: 'S-12.4',
      requirement: SPEC.websocket,
      title: 'several frames in one WebSocket message are all processed',
      expected: 'three SENDs in one message are delivered as three MESSAGEs, in order',
    },
    async (c) => {
      webSocketOnly(c);
      needsStreamFraming(c, 'three frames in one message');
      const { s, destination, id } = await subscribed(c);
      const batch = Buffer.concat(['1', '2', '3'].map((body) => serialize({ command: 'SEND', headers: { destination }, body })));
      s.sendRaw(batch);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const m = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE');
        if (!m) break;
        got.push(bodyText(m));
      }
      observe(c, 'MESSAGEs for 3 frames in one message', got.length, `three SENDs in one message gave ${got.length} MESSAGE(s): ${got.join(', ') || 'none'}`);
      c.check(got.join('') === '123', 'bodies 1, 2, 3', got.length ? got.join(', ') : showHeaders(undefined, s));
    },
  );

  conformanceCase(
    {
      id: 'S-12.5',
      requirement: SPEC.websocket,
      title: 'frames in binary WebSocket messages are accepted',
      expected: 'a SEND in a binary message is delivered',
    },
    async (c) => {
      webSocketOnly(c);
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(serialize({ command: 'SEND', headers: { destination }, body: 'binary' }), true);
      const m = await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === id);
      observe(c, 'SEND in a binary message', m ? 'delivered' : 'not delivered', `a SEND in a binary message was answered by ${showHeaders(m, s)}`);
      c.check(!!m && bodyText(m) === 'binary', 'body "binary"', m ? JSON.stringify(bodyText(m)) : showHeaders(m, s));
    },
  );

  conformanceCase(
    {
      id: 'S-12.6',
      requirement: SPEC.websocket,
      title: 'the server sends one frame per WebSocket message',
      expected: 'each frame of a flow arrives in a message of its own',
    },
    async (c) => {
      webSocketOnly(c);
      const { s, destination, id } = await subscribed(c);
      for (let i = 0; i < 3; i++) s.send({ command: 'SEND', headers: { destination, receipt: `r${i}` }, body: `${i}` });
      let got = 0;
      while (got < 3 && (await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' && header(f, 'subscription') === id))) got++;
      const messages = new Set(s.frames.map((f) => f.message));
      observe(c, 'frames / messages', `${s.frames.length} / ${messages.size}`, `the server sent ${s.frames.length} frames in ${messages.size} WebSocket messages`);
      c.check(got === 3, '3 MESSAGEs to count', `${got} MESSAGE(s), then ${showHeaders(undefined, s)}`);
      c.check(messages.size === s.frames.length, 'as many messages as frames', `${s.frames.length} frames in ${messages.size} messages`);
    },
  );

  conformanceCase(
    {
      id: 'S-12.7',
      requirement: SPEC.websocket,
      title: 'the server answers text frames with text WebSocket messages',
      expected: 'MESSAGE frames with UTF-8 bodies arrive as text messages',
    },
    async (c) => {
      webSocketOnly(c);
      const s = await connected(c);
      const kinds = s.transcript.entries.filter((e) => e.dir === 'in').map((e) => e.kind);
      observe(c, 'message types', [...new Set(kinds)].join(', '), `the server's messages were ${[...new Set(kinds)].join(' and ') || 'none'}`);
      c.check(kinds.every((k) => k === 'text'), 'text messages', kinds.join(', '));
    },
  );

  conformanceCase(
    {
      id: 'S-12.8',
      requirement: `${SPEC.websocket}; ${SPEC.nulEols}`,
      title: 'a frame is complete only at its NUL: a frame whose NUL comes in a later message is processed once whole',
      expected: 'a SEND whose NUL arrives in a later WebSocket message is delivered once, after the NUL',
    },
    async (c) => {
      webSocketOnly(c);
      needsStreamFraming(c, 'a frame whose NUL comes in a second message');
      const { s, destination, id } = await subscribed(c);
      const bytes = serialize({ command: 'SEND', headers: { destination }, body: 'late NUL' });
      s.sendRaw(bytes.subarray(0, bytes.length - 1));
      const early = await s.nextFrame(c.target.stomp.timeouts.quietMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      s.sendRaw(bytes.subarray(bytes.length - 1));
      const m = early ?? (await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR'));
      observe(c, 'frame without its NUL', early ? `${early.command} before the NUL` : m ? `${m.command} after the NUL` : 'nothing',
        `a SEND whose NUL came in a second message was answered by ${showHeaders(m, s)}${early ? ' before the NUL arrived' : ''}`);
      c.check(!early, 'no MESSAGE before the NUL arrives', `${early?.command} already: ${showHeaders(early)}`);
      c.check(m?.command === 'MESSAGE' && bodyText(m) === 'late NUL' && header(m, 'subscription') === id, 'MESSAGE "late NUL" after the NUL', showHeaders(m, s));
    },
  );

  conformanceCase(
    {
      id: 'S-12.9',
      requirement: `${SPEC.websocket}; ${SPEC.contentLengthRead}`,
      title: 'a content-length larger than the octets of its message keeps the frame open for the next message',
      expected: 'content-length:10 with 4 octets in a first message: no MESSAGE until the remaining octets and the NUL arrive',
    },
    async (c) => {
      webSocketOnly(c);
      needsStreamFraming(c, 'a body continued in a second message');
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(`SEND\ndestination:${destination}\ncontent-length:10\n\nab\0c`);
      const early = await s.nextFrame(c.target.stomp.timeouts.quietMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      s.sendRaw('defghi\0');
      const m = early ?? (await s.nextFrame(c.target.stomp.timeouts.responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR'));
      observe(c, 'body continued in a second message', m ? m.command : 'nothing', `a 10-octet body sent as 4 + 6 octets was answered by ${showHeaders(m, s)}${early ? ' before the rest arrived' : ''}`);
      c.check(!early, 'no MESSAGE yet: the body is 10 octets, NUL included as data', `${early?.command} with ${early?.body.length} octets`);
      c.check(m?.command === 'MESSAGE' && header(m, 'subscription') === id && Buffer.from(m.body).equals(Buffer.from('ab\0cdefghi', 'latin1')),
        'MESSAGE with body "ab\\0cdefghi"', m ? `${m.command} ${JSON.stringify(Buffer.from(m.body).toString('latin1'))}` : showHeaders(m, s));
    },
  );

  conformanceCase(
    {
      id: 'S-12.10',
      requirement: `${SPEC.websocket}; ${SPEC.undefinedEscape}`,
      title: 'a malformed frame is refused even when it arrives split over WebSocket messages',
      expected: 'ERROR, then close, for an undefined escape whose backslash and letter arrive in separate messages',
    },
    async (c) => {
      webSocketOnly(c);
      needsStreamFraming(c, 'a malformed frame split over two messages');
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\nx-bad:a\\`);
      s.sendRaw('q\n\n\0');
      const outcome = await expectErrorThenClose(c, s, 'an undefined escape split over two messages').then(
        () => 'ERROR then close',
        (err: Error) => {
          observe(c, 'split undefined escape', 'not refused as such', `an undefined escape split over two messages: ${err.message.split('\n').at(-1)?.trim()}`);
          throw err;
        },
      );
      observe(c, 'split undefined escape', outcome, `an undefined escape split over two messages was answered by ${outcome}`);
    },
  );
});
