import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { bodyText, serialize } from '../../src/stomp/index.ts';
import { connected, expectMessage, subscribed } from './flows.ts';

describe('S-12 WebSocket framing (recorded)', () => {
  conformanceCase(
    {
      id: 'S-12.1',
      title: 'the negotiated subprotocol is one of v10.stomp, v11.stomp, v12.stomp',
      expected: 'the server picks v12.stomp when offered all three',
    },
    async (c) => {
      const s = await c.stomp();
      c.measure('subprotocol', s.ws.protocol || '(none)');
      c.check(s.ws.protocol === 'v12.stomp', 'v12.stomp', s.ws.protocol || '(none)');
    },
  );

  conformanceCase(
    {
      id: 'S-12.2',
      title: 'a connection offering only v12.stomp is accepted',
      expected: 'the handshake succeeds with subprotocol v12.stomp',
    },
    async (c) => {
      const s = await c.stomp('v12 only', { protocols: ['v12.stomp'] });
      c.measure('subprotocol', s.ws.protocol || '(none)');
      c.check(s.ws.protocol === 'v12.stomp', 'v12.stomp', s.ws.protocol || '(none)');
    },
  );

  conformanceCase(
    {
      id: 'S-12.3',
      title: 'a frame split over several WebSocket messages is reassembled',
      expected: 'a SEND cut into 3 messages is delivered once',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      const bytes = serialize({ command: 'SEND', headers: { destination }, body: 'split in three' });
      const a = Math.floor(bytes.length / 3);
      s.sendRaw(bytes.subarray(0, a));
      s.sendRaw(bytes.subarray(a, 2 * a));
      s.sendRaw(bytes.subarray(2 * a));
      const m = await expectMessage(c, s, id, 'the split SEND');
      c.observe(`a SEND cut into 3 WebSocket messages was delivered as one MESSAGE (body ${JSON.stringify(bodyText(m))})`);
      c.check(bodyText(m) === 'split in three', 'body "split in three"', JSON.stringify(bodyText(m)));
    },
  );

  conformanceCase(
    {
      id: 'S-12.4',
      title: 'several frames in one WebSocket message are all processed',
      expected: 'three SENDs in one message are delivered as three MESSAGEs, in order',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      const batch = Buffer.concat(['1', '2', '3'].map((body) => serialize({ command: 'SEND', headers: { destination }, body })));
      s.sendRaw(batch);
      const got = [];
      for (let i = 0; i < 3; i++) got.push(bodyText(await expectMessage(c, s, id, `frame ${i + 1} of the batch`)));
      c.observe(`three SENDs in one WebSocket message were delivered as MESSAGEs with bodies ${got.join(', ')}`);
      c.check(got.join('') === '123', 'bodies 1, 2, 3', got.join(', '));
    },
  );

  conformanceCase(
    {
      id: 'S-12.5',
      title: 'frames in binary WebSocket messages are accepted',
      expected: 'a SEND in a binary message is delivered',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      s.sendRaw(serialize({ command: 'SEND', headers: { destination }, body: 'binary' }), true);
      const m = await expectMessage(c, s, id, 'SEND in a binary message');
      c.observe(`a SEND in a binary WebSocket message was delivered (body ${JSON.stringify(bodyText(m))})`);
      c.check(bodyText(m) === 'binary', 'body "binary"', JSON.stringify(bodyText(m)));
    },
  );

  conformanceCase(
    {
      id: 'S-12.6',
      title: 'the server sends one frame per WebSocket message',
      expected: 'each frame of a flow arrives in a message of its own',
    },
    async (c) => {
      const { s, destination, id } = await subscribed(c);
      for (let i = 0; i < 3; i++) s.send({ command: 'SEND', headers: { destination, receipt: `r${i}` }, body: `${i}` });
      for (let i = 0; i < 3; i++) await expectMessage(c, s, id, `message ${i}`);
      const messages = new Set(s.frames.map((f) => f.message));
      c.measure('frames / messages', `${s.frames.length} / ${messages.size}`);
      c.check(messages.size === s.frames.length, 'as many messages as frames', `${s.frames.length} frames in ${messages.size} messages`);
    },
  );

  conformanceCase(
    {
      id: 'S-12.7',
      title: 'the server answers text frames with text WebSocket messages',
      expected: 'MESSAGE frames with UTF-8 bodies arrive as text messages',
    },
    async (c) => {
      const s = await connected(c);
      const kinds = s.transcript.entries.filter((e) => e.dir === 'in').map((e) => e.kind);
      c.measure('message types', [...new Set(kinds)].join(', '));
      c.check(kinds.every((k) => k === 'text'), 'text messages', kinds.join(', '));
    },
  );
});
