import { Buffer } from 'node:buffer';
import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import { schemaProblems } from '../../src/oam/realms.ts';
import { header } from '../../src/stomp/index.ts';
import { checkContentLength, showHeaders } from '../stomp/flows.ts';
import { OamClient, SERVICE, SERVICE_SUB, checkSuccess, createProfile, uniqueName } from './flows.ts';

/** The request of seed 000, byte for byte: content-length 100. */
const SEED_REQUEST = '{"requestId":"eb2c2807-8c2f-4418-aebe-03622404e4bb","realm":"/api/metric/list","payload":{"id":"3"}}';

describe.concurrent('O-3 requests', () => {
  conformanceCase(
    { id: 'O-3.1', title: 'the seed 000 request frame, verbatim, is answered', expected: 'SEND /app/api/metric/list content-length:100 → a response with its requestId' },
    async (c) => {
      const oam = await OamClient.open(c);
      c.check(Buffer.byteLength(SEED_REQUEST) === 100, 'the documented 100 octets', String(Buffer.byteLength(SEED_REQUEST)));
      oam.s.sendRaw(`SEND\ndestination:/app/api/metric/list\ncontent-length:100\n\n${SEED_REQUEST}\0`);
      const a = await oam.answer('eb2c2807-8c2f-4418-aebe-03622404e4bb');
      c.check(!!a, 'a response carrying requestId eb2c2807-…', oam.s.describeSilence(c.target.oam.timeouts.responseMs));
      checkSuccess(c, '/api/metric/list', a!.body);
    },
  );

  conformanceCase(
    { id: 'O-3.2', title: 'a request with a multi-byte UTF-8 payload and exact content-length is answered', expected: 'profile/create with a Cyrillic and CJK name: 200 SUCCESS' },
    async (c) => {
      const oam = await OamClient.open(c);
      await createProfile(c, oam, uniqueName(c, 'профиль-東京-🎥'));
    },
  );

  conformanceCase(
    { id: 'O-3.3', title: 'a request in a binary WebSocket message is answered like a text one', level: 'INFO', expected: 'recorded: the same answer for a binary message' },
    async (c) => {
      const oam = await OamClient.open(c);
      const id = 'binary-1';
      oam.s.send({ command: 'SEND', headers: { destination: '/app/api/metric/list' }, body: JSON.stringify({ requestId: id, realm: '/api/metric/list', payload: {} }) }, { binary: true });
      const a = await oam.answer(id);
      c.measure('binary request: answer', a ? `status ${a.body.status} ${a.body.reason}` : 'none');
      c.observe(a ? `a binary SEND was answered with status ${a.body.status} "${a.body.reason}"` : `a binary SEND got no answer (${oam.s.describeSilence(c.target.oam.timeouts.responseMs)})`);
      c.check(a?.body.status === 200, 'status 200', a ? `status ${a.body.status}` : 'no answer');
    },
  );

  conformanceCase(
    { id: 'O-3.4', title: 'SEND with a receipt is answered by both RECEIPT and the response', expected: 'RECEIPT receipt-id:r-7 and a response with the requestId' },
    async (c) => {
      const oam = await OamClient.open(c);
      oam.s.send({ command: 'SEND', headers: { destination: '/app/api/metric/list', receipt: 'r-7' }, body: JSON.stringify({ requestId: 'with-receipt', realm: '/api/metric/list', payload: {} }) });
      const a = await oam.answer('with-receipt');
      const r = await oam.s.nextFrame(c.target.oam.timeouts.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === 'r-7');
      c.check(!!a && !!r, 'RECEIPT and response', `${r ? 'RECEIPT' : 'no RECEIPT'}, ${a ? 'response' : 'no response'}`);
    },
  );
});

describe.concurrent('O-4 responses', () => {
  const answered = async (c: CaseContext) => (await OamClient.open(c)).call('/api/metric/list', { id: '3' });

  conformanceCase(
    { id: 'O-4.1', title: 'the response is a MESSAGE with destination:/user/service', expected: `MESSAGE destination:${SERVICE}` },
    async (c) => {
      const { frame } = await answered(c);
      c.check(header(frame, 'destination') === SERVICE, `destination:${SERVICE}`, showHeaders(frame));
    },
  );

  conformanceCase(
    { id: 'O-4.2', title: 'content-type is application/json;charset=UTF-8', expected: 'content-type:application/json;charset=UTF-8' },
    async (c) => {
      const { frame } = await answered(c);
      const ct = header(frame, 'content-type');
      c.check(ct?.replace(/\s/g, '').toLowerCase() === 'application/json;charset=utf-8', 'application/json;charset=UTF-8', `content-type:${ct}`);
    },
  );

  conformanceCase(
    { id: 'O-4.3', title: 'subscription equals the client subscription id', expected: `subscription:${SERVICE_SUB}` },
    async (c) => {
      const { frame } = await answered(c);
      c.check(header(frame, 'subscription') === SERVICE_SUB, `subscription:${SERVICE_SUB}`, showHeaders(frame));
    },
  );

  conformanceCase(
    { id: 'O-4.4', title: 'the response carries a message-id', expected: 'a non-empty message-id' },
    async (c) => {
      const { frame } = await answered(c);
      c.check(!!header(frame, 'message-id'), 'message-id', showHeaders(frame));
    },
  );

  conformanceCase(
    { id: 'O-4.5', title: 'content-length equals the body octets', expected: 'content-length equal to the response body octets' },
    async (c) => checkContentLength(c, (await answered(c)).frame, 'response'),
  );

  conformanceCase(
    { id: 'O-4.6', title: 'content-length counts octets for a multi-byte UTF-8 response', expected: 'a profile list holding a Cyrillic/CJK/emoji name: content-length = octets' },
    async (c) => {
      const oam = await OamClient.open(c);
      const id = await createProfile(c, oam, uniqueName(c, 'Ünïcødé-東京-🎥'));
      const a = await oam.call('/api/profile/list', { id: String(id) });
      c.check(a.text !== Buffer.from(a.text).toString('latin1'), 'a body with multi-byte characters', 'ASCII only');
      checkContentLength(c, a.frame, 'response');
    },
  );

  conformanceCase(
    { id: 'O-4.7', title: 'the body is {requestId, status, reason, payload}', expected: 'a JSON object matching schemas/oam.schema.json#/definitions/response' },
    async (c) => {
      const { body, text } = await answered(c);
      const problems = schemaProblems('response', body);
      c.check(problems.length === 0, 'a response envelope', `${text.slice(0, 200)}: ${problems.join('; ')}`);
      c.check('payload' in body, 'a payload member', text.slice(0, 200));
    },
  );

  conformanceCase(
    { id: 'O-4.8', title: 'status is an HTTP status number and reason is SUCCESS for 200', expected: 'status: 200 (a number), reason: "SUCCESS"' },
    async (c) => {
      const { body } = await answered(c);
      c.check(typeof body.status === 'number', 'status as a JSON number', JSON.stringify(body.status));
      checkSuccess(c, '/api/metric/list', body);
    },
  );
});
