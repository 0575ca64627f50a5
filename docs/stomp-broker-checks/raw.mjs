// Raw STOMP-over-TCP client for hand checks: node raw.mjs PORT WAIT_MS FRAME... (frames as JS strings with \n, \0 escapes)
import { connect } from 'node:net';
const [port, waitMs, ...frames] = process.argv.slice(2);
const t0 = Date.now();
const s = connect({ host: '127.0.0.1', port: Number(port) });
const show = (b) => b.toString('latin1').replace(/\n/g, '↵').replace(/\r/g, '␍').replace(/\0/g, '␀');
s.on('data', (d) => console.log(`${String(Date.now() - t0).padStart(5)} ms << ${show(d)}`));
s.on('close', (e) => { console.log(`${String(Date.now() - t0).padStart(5)} ms == server closed the connection${e ? ' (error/reset)' : ''}`); process.exit(0); });
s.on('error', (e) => console.log('error', e.code));
s.on('connect', async () => {
  for (const f of frames) {
    const bytes = Buffer.from(JSON.parse(`"${f.replace(/\\0/g, "\\u0000")}"`), 'latin1');
    console.log(`${String(Date.now() - t0).padStart(5)} ms >> ${show(bytes)}`);
    s.write(bytes);
    await new Promise((r) => setTimeout(r, 150));
  }
  setTimeout(() => { console.log(`${String(Date.now() - t0).padStart(5)} ms -- still open after ${waitMs} ms; closing`); s.destroy(); process.exit(0); }, Number(waitMs));
});
