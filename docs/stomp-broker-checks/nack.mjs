// node nack.mjs PORT [persistent]: SEND to a queue, NACK the MESSAGE (client-individual), then look in ActiveMQ.DLQ.
import { connect } from 'node:net';
const port = Number(process.argv[2]); const persistent = process.argv[3] === 'persistent';
const q = `/queue/hand-nack-${Date.now()}`; const t0 = Date.now();
const s = connect({ host: '127.0.0.1', port });
const show = (b) => b.replace(/\n/g, '↵').replace(/\0/g, '␀');
const send = (f) => { console.log(`${Date.now() - t0} ms >> ${show(f)}`); s.write(f); };
let buf = '', nacked = false;
s.on('data', (d) => {
  buf += d.toString('latin1');
  for (let i; (i = buf.indexOf('\0')) >= 0; buf = buf.slice(i + 1)) {
    const f = buf.slice(0, i).replace(/^\n+/, ''); if (!f) continue;
    console.log(`${Date.now() - t0} ms << ${show(f).slice(0, 220)}`);
    const ack = /\nack:([^\n]*)/.exec(f)?.[1];
    if (f.startsWith('MESSAGE') && ack && !nacked) { nacked = true; send(`NACK\nid:${ack}\nreceipt:nacked\n\n\0`); }
    if (f.startsWith('RECEIPT') && f.includes('receipt-id:nacked')) send('SUBSCRIBE\nid:dlq\ndestination:/queue/ActiveMQ.DLQ\n\n\0');
  }
});
s.on('connect', () => {
  send('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
  send(`SUBSCRIBE\nid:0\ndestination:${q}\nack:client-individual\n\n\0`);
  send(`SEND\ndestination:${q}\n${persistent ? 'persistent:true\n' : ''}\nnack me\0`);
});
setTimeout(() => { console.log(`${Date.now() - t0} ms -- done`); process.exit(0); }, 1500);
