import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import type { StompLimits } from '../../src/target/target.ts';
import { connected, expectErrorThenClose } from './flows.ts';

function declared(c: CaseContext, name: keyof StompLimits): number {
  const value = c.target.stomp.limits[name];
  if (!value) return c.skip(`the target declares no ${name} (target file: stomp.limits.${name})`);
  return value;
}

describe('S-11 size limits', () => {
  conformanceCase(
    { id: 'S-11.1', title: 'more headers than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxHeaders');
      const s = await connected(c);
      const headers = Array.from({ length: max + 1 }, (_, i) => `x-h${i}:${i}\n`).join('');
      s.sendRaw(`SEND\ndestination:${c.destination()}\n${headers}\n\0`);
      c.measure('headers sent', max + 2);
      await expectErrorThenClose(c, s, `${max + 2} headers (limit ${max})`);
    },
  );

  conformanceCase(
    { id: 'S-11.2', title: 'a header line longer than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxHeaderLineBytes');
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\nx-long:${'v'.repeat(max)}\n\n\0`);
      c.measure('header line octets', max + 7);
      await expectErrorThenClose(c, s, `a ${max + 7}-octet header line (limit ${max})`);
    },
  );

  conformanceCase(
    { id: 'S-11.3', title: 'a body larger than the declared limit: ERROR then close', expected: 'ERROR, then the server closes' },
    async (c) => {
      const max = declared(c, 'maxBodyBytes');
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\n\n${'b'.repeat(max + 1)}\0`);
      c.measure('body octets', max + 1);
      await expectErrorThenClose(c, s, `a ${max + 1}-octet body (limit ${max})`);
    },
  );

  conformanceCase(
    {
      id: 'S-11.4',
      title: 'a content-length above the declared body limit is refused before the body arrives',
      expected: 'ERROR, then the server closes, without waiting for the announced octets',
    },
    async (c) => {
      const max = declared(c, 'maxBodyBytes');
      const s = await connected(c);
      s.sendRaw(`SEND\ndestination:${c.destination()}\ncontent-length:${max + 1}\n\nonly a little`);
      await expectErrorThenClose(c, s, `content-length:${max + 1} (limit ${max})`);
    },
  );
});
