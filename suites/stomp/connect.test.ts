import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';

describe('S-1 CONNECT', () => {
  conformanceCase(
    { id: 'S-1.1', title: 'CONNECT with accept-version:1.2 is answered by CONNECTED version:1.2', expected: 'CONNECTED carrying version:1.2' },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect();
      c.check(answer?.command === 'CONNECTED', 'CONNECTED', answer ? `${answer.command} (message: ${header(answer, 'message')})` : 'no frame');
      c.check(header(answer, 'version') === '1.2', 'version:1.2', `version:${header(answer, 'version')}`);
    },
  );
});
