import { describe } from 'vitest';
import { conformanceCase } from '../../src/case.ts';
import { header } from '../../src/stomp/index.ts';
import { connected, observe, showHeaders, silence } from './flows.ts';
import { SPEC } from './spec.ts';

describe.concurrent('S-8 receipts', () => {
  conformanceCase(
    { id: 'S-8.1', requirement: SPEC.receipt, title: 'SEND with receipt is answered by RECEIPT with the same receipt-id', expected: 'RECEIPT receipt-id:send-77' },
    async (c) => {
      const s = await connected(c);
      s.send({ command: 'SEND', headers: { destination: c.destination(), receipt: 'send-77' }, body: 'r' });
      const r = await s.nextCommand('RECEIPT', c.target.stomp.timeouts.responseMs);
      c.check(header(r, 'receipt-id') === 'send-77', 'RECEIPT receipt-id:send-77', showHeaders(r, s));
    },
  );

  conformanceCase(
    { id: 'S-8.2', requirement: SPEC.receipt, title: 'SUBSCRIBE with receipt is answered by RECEIPT', expected: 'RECEIPT receipt-id:sub-receipt' },
    async (c) => {
      const s = await connected(c);
      s.subscribe(c.destination(), 'receipted', { receipt: 'sub-receipt' });
      const r = await s.nextCommand('RECEIPT', c.target.stomp.timeouts.responseMs);
      c.check(header(r, 'receipt-id') === 'sub-receipt', 'RECEIPT receipt-id:sub-receipt', showHeaders(r, s));
    },
  );

  conformanceCase(
    {
      id: 'S-8.3',
      requirement: `${SPEC.receipt} ${SPEC.escapes}`,
      title: 'a receipt value with escapes comes back decoded identically',
      expected: 'receipt "a:b\\c" (escaped on the wire) is answered by receipt-id "a:b\\c"',
    },
    async (c) => {
      const s = await connected(c);
      const value = 'a:b\\c';
      s.send({ command: 'SEND', headers: { destination: c.destination(), receipt: value }, body: 'r' });
      const r = await s.nextCommand('RECEIPT', c.target.stomp.timeouts.responseMs);
      c.check(header(r, 'receipt-id') === value, `receipt-id ${JSON.stringify(value)}`, r ? `receipt-id ${JSON.stringify(header(r, 'receipt-id'))}` : `no RECEIPT: ${showHeaders(r, s)}`);
    },
  );

  conformanceCase(
    {
      id: 'S-8.4',
      requirement: SPEC.receiptCumulative,
      title: 'receipts come in the order of the frames that asked for them',
      expected: 'five SENDs with receipts 1..5 are answered by RECEIPTs 1..5 in order',
    },
    async (c) => {
      const s = await connected(c);
      const d = c.destination();
      for (let i = 1; i <= 5; i++) s.send({ command: 'SEND', headers: { destination: d, receipt: `n-${i}` }, body: `${i}` });
      const got: string[] = [];
      for (let i = 1; i <= 5; i++) got.push(header(await s.nextCommand('RECEIPT', c.target.stomp.timeouts.responseMs), 'receipt-id') ?? '(none)');
      c.check(got.join(',') === 'n-1,n-2,n-3,n-4,n-5', 'n-1,n-2,n-3,n-4,n-5', got.includes('(none)') ? `${got.join(',')}; ${showHeaders(undefined, s)}` : got.join(','));
    },
  );

  conformanceCase(
    { id: 'S-8.5', requirement: SPEC.receipt, title: 'DISCONNECT with receipt is answered by RECEIPT', expected: 'RECEIPT receipt-id:bye' },
    async (c) => {
      const s = await connected(c);
      s.send({ command: 'DISCONNECT', headers: { receipt: 'bye' } });
      const r = await s.nextCommand('RECEIPT', c.target.stomp.timeouts.responseMs);
      c.check(header(r, 'receipt-id') === 'bye', 'RECEIPT receipt-id:bye', showHeaders(r, s));
    },
  );

  conformanceCase(
    { id: 'S-8.6', level: 'INFO', requirement: SPEC.disconnect, title: 'after the DISCONNECT receipt the server closes the connection', expected: 'the server closes after DISCONNECT (recorded: the spec lets the client close)' },
    async (c) => {
      const s = await connected(c);
      s.send({ command: 'DISCONNECT', headers: { receipt: 'bye' } });
      const closed = await s.waitClosed(c.target.stomp.timeouts.responseMs + c.target.stomp.timeouts.closeMs);
      observe(c, 'close', closed ? `code ${closed.code} by ${closed.by} at ${closed.at} ms` : 'still open',
        `after DISCONNECT ${closed ? `the ${closed.by} closed the connection (code ${closed.code})` : 'the server left the connection open'}`);
      c.check(!!closed && closed.by === 'server', 'the server closes the connection', closed ? `closed by the ${closed.by}` : `still open: ${silence(s)}`);
    },
  );
});
