import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import type { ReceivedFrame, StompSession } from '../../src/transport/stomp-session.ts';
import { expectErrorThenClose, showHeaders } from './flows.ts';
import { SPEC } from './spec.ts';

/** The S-1 answer: CONNECTED carrying version:1.2. */
function checkConnected12(c: CaseContext, s: StompSession, answer: ReceivedFrame | undefined): void {
  c.check(answer?.command === 'CONNECTED', 'CONNECTED', showHeaders(answer, s));
  c.check(header(answer, 'version') === '1.2', 'version:1.2', `version:${header(answer, 'version')}`);
}

describe.concurrent('S-1 CONNECT and CONNECTED', () => {
  conformanceCase(
    { id: 'S-1.1', requirement: SPEC.connectedVersion, title: 'CONNECT with accept-version:1.2 and host is answered by CONNECTED version:1.2', expected: 'CONNECTED carrying version:1.2' },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect();
      checkConnected12(c, s, answer);
    },
  );

  conformanceCase(
    { id: 'S-1.2', requirement: SPEC.stompFrame, title: 'STOMP is accepted as a synonym of CONNECT', expected: 'STOMP is answered by CONNECTED carrying version:1.2' },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({}, { command: 'STOMP' });
      checkConnected12(c, s, answer);
    },
  );

  conformanceCase(
    {
      id: 'S-1.3',
      requirement: SPEC.negotiation,
      title: 'accept-version:1.0,1.1,1.2 negotiates 1.2',
      expected: 'CONNECTED carrying version:1.2, the highest version both sides support',
    },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({ 'accept-version': '1.0,1.1,1.2' });
      checkConnected12(c, s, answer);
    },
  );

  conformanceCase(
    { id: 'S-1.4', requirement: SPEC.connected, title: 'CONNECTED is the first frame of the session', expected: 'the first frame after CONNECT is CONNECTED (heart-beats aside)' },
    async (c) => {
      const s = await c.stomp();
      await s.connect();
      const first = s.frames[0];
      c.check(first?.command === 'CONNECTED', 'CONNECTED first', showHeaders(first));
    },
  );

  conformanceCase(
    {
      id: 'S-1.5',
      requirement: SPEC.connectNotEscaped,
      title: 'CONNECT header values are taken literally (no escape decoding)',
      expected: 'a CONNECT header value containing a backslash sequence and a colon is accepted: CONNECTED',
    },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({ 'x-client-note': 'C:\\temp\\t' });
      c.check(answer?.command === 'CONNECTED', 'CONNECTED (CONNECT headers are not escaped, so "\\t" is no undefined escape)', showHeaders(answer, s));
    },
  );
});

describe.concurrent('S-2 version negotiation failure', () => {
  conformanceCase(
    {
      id: 'S-2.1',
      level: 'SHOULD',
      requirement: SPEC.versionErrorHeader,
      title: 'accept-version:9.9 is answered by ERROR with a version header listing supported versions',
      expected: 'ERROR carrying version: a comma-separated list that includes 1.2',
    },
    async (c) => {
      const s = await c.stomp();
      const answer = await s.connect({ 'accept-version': '9.9' });
      c.check(answer?.command === 'ERROR', 'ERROR', showHeaders(answer, s));
      const versions = header(answer, 'version');
      c.check(
        versions !== undefined && versions.split(',').map((v) => v.trim()).includes('1.2'),
        'version header listing the supported versions (including 1.2)',
        versions === undefined ? 'no version header' : `version:${versions}`,
      );
    },
  );

  conformanceCase(
    { id: 'S-2.2', requirement: SPEC.versionError, title: 'after the version ERROR the server closes the connection', expected: 'ERROR, then the server closes' },
    async (c) => {
      const s = await c.stomp();
      s.send({ command: 'CONNECT', headers: { 'accept-version': '9.9', host: c.target.stomp.host ?? 'localhost' } });
      await expectErrorThenClose(c, s, 'CONNECT accept-version:9.9');
    },
  );

  conformanceCase(
    {
      id: 'S-2.3',
      requirement: SPEC.versionError,
      title: 'a list of unsupported versions (2.0,3.0) is refused with ERROR then close',
      expected: 'ERROR, then the server closes',
    },
    async (c) => {
      const s = await c.stomp();
      s.send({ command: 'CONNECT', headers: { 'accept-version': '2.0,3.0', host: c.target.stomp.host ?? 'localhost' } });
      await expectErrorThenClose(c, s, 'CONNECT accept-version:2.0,3.0');
    },
  );
});
