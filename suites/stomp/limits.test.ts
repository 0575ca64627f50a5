import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import type { StompLimits } from '../../src/target/target.ts';
import { connected, expectErrorThenClose, fitsMessage, needsStreamFraming } from './flows.ts';
import { SPEC } from './spec.ts';

function declared(c: CaseContext, name: keyof StompLimits): number {
  const value = c.target.stomp.limits[name];
  if (!value) return c.skip(`the target declares no ${name} (target file: stomp.limits.${name})`);
  return value;
}

/**
 * S-11 judges the STOMP limits: a frame over one of them, but within the WebSocket message limit, must reach the
 * STOMP layer. A close 1009 is a transport-level refusal and is reported as such (S-11.5 is the case about it).
 */
describe.concurrent('S-11 size limits', () => {
  conformanceCase(
    { id: 'S-11.1', requirement: SPEC.sizeLimits, title: 'more headers than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxHeaders');
      const headers = Array.from({ length: max + 1 }, (_, i) => `x-h${i}:${i}\n`).join('');
      const frame = `SEND\ndestination:${c.destination()}\n${headers}\n\0`;
      fitsMessage(c, Buffer.byteLength(frame), `a frame of ${max + 2} headers`);
      const s = await connected(c);
      s.sendRaw(frame);
      c.measure('headers sent', max + 2);
      await expectErrorThenClose(c, s, `${max + 2} headers (limit ${max})`);
    },
  );

  conformanceCase(
    { id: 'S-11.2', requirement: SPEC.sizeLimits, title: 'a header line longer than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxHeaderLineBytes');
      const frame = `SEND\ndestination:${c.destination()}\nx-long:${'v'.repeat(max)}\n\n\0`;
      fitsMessage(c, Buffer.byteLength(frame), `a ${max + 7}-octet header line`);
      const s = await connected(c);
      s.sendRaw(frame);
      c.measure('header line octets', max + 7);
      await expectErrorThenClose(c, s, `a ${max + 7}-octet header line (limit ${max})`);
    },
  );

  conformanceCase(
    { id: 'S-11.3', requirement: SPEC.sizeLimits, title: 'a body larger than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxBodyBytes');
      const head = `SEND\ndestination:${c.destination()}\n\n`;
      fitsMessage(c, head.length + max + 2, `a ${max + 1}-octet body`);
      const s = await connected(c);
      s.sendRaw(`${head}${'b'.repeat(max + 1)}\0`);
      c.measure('body octets', max + 1);
      await expectErrorThenClose(c, s, `a ${max + 1}-octet body (limit ${max})`);
    },
  );

  conformanceCase(
    {
      id: 'S-11.4',
      requirement: SPEC.sizeLimits,
      title: 'a content-length above the declared body limit is refused before the body arrives',
      expected: 'ERROR, then the server closes, without waiting for the announced octets',
    },
    async (c) => {
      const max = declared(c, 'maxBodyBytes');
      needsStreamFraming(c, 'a frame whose body has not all arrived (the rest would come in later messages)');
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\ncontent-length:${max + 1}\n\nonly a little`);
      await expectErrorThenClose(c, s, `content-length:${max + 1} (limit ${max})`);
    },
  );

  conformanceCase(
    {
      id: 'S-11.5',
      requirement: `${SPEC.sizeLimits} (over WebSocket, a message larger than the server takes is refused by the transport: close 1009, RFC 6455 §7.4.1)`,
      title: 'a WebSocket message larger than the declared message limit is refused, by ERROR then close or by a 1009 close',
      expected: 'the server closes: ERROR then close, or the WebSocket close 1009 (message too big), reported as a transport-level refusal',
    },
    async (c) => {
      const max = declared(c, 'maxMessageBytes');
      const s = await connected(c);
      const head = `SEND\ndestination:${c.destination()}\n\n`;
      s.sendRaw(`${head}${'m'.repeat(max + 1 - head.length)}\0`);
      c.measure('message octets', max + 2);
      const { responseMs, closeMs } = c.target.stomp.timeouts;
      const error = await s.nextFrame(responseMs, (f) => f.command === 'ERROR');
      const closed = await s.waitClosed(error ? closeMs : 10);
      if (closed) c.measure('close', `code ${closed.code} by ${closed.by}${closed.reason ? ` "${closed.reason}"` : ''}`);
      if (closed?.code === 1009) c.note(`S-11.5: a transport-level refusal: close 1009 (message too big) by the ${closed.by}${error ? ', after an ERROR' : ', no STOMP ERROR'}`);
      if (closed?.code === 1009 && closed.by === 'server') return;
      c.check(!!error && closed?.by === 'server', `ERROR then close, or close 1009 (after a ${max + 2}-octet WebSocket message, limit ${max})`,
        error ? `ERROR, but the connection ${closed ? `was closed by the ${closed.by}` : `is still open ${closeMs} ms later`}`
          : closed ? `no ERROR; closed with code ${closed.code} by the ${closed.by}` : `no ERROR and the connection is still open: the server went silent`);
    },
  );
});
