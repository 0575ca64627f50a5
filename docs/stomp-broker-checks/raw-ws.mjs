// Raw STOMP-over-WebSocket client for hand checks: node raw-ws.mjs URL WAIT_MS FRAME... (one WebSocket text message per frame)
import WebSocket from 'ws';
const [url, waitMs, ...frames] = process.argv.slice(2);
const t0 = Date.now();
const show = (b) => Buffer.from(b).toString('latin1').replace(/\n/g, '↵').replace(/\r/g, '␍').replace(/\0/g, '␀');
const ws = new WebSocket(url, ['v12.stomp']);
ws.on('message', (d) => console.log(`${String(Date.now() - t0).padStart(5)} ms << ${show(d)}`));
ws.on('close', (code, reason) => { console.log(`${String(Date.now() - t0).padStart(5)} ms == server closed: code ${code} ${JSON.stringify(reason.toString())}`); process.exit(0); });
ws.on('open', async () => {
  for (const f of frames) {
    const text = JSON.parse(`"${f.replace(/\\0/g, '\\u0000')}"`);
    console.log(`${String(Date.now() - t0).padStart(5)} ms >> ${show(Buffer.from(text, 'latin1'))}`);
    ws.send(Buffer.from(text, 'latin1').toString('latin1'));
    await new Promise((r) => setTimeout(r, 150));
  }
  setTimeout(() => { console.log(`${String(Date.now() - t0).padStart(5)} ms -- still open after ${waitMs} ms; closing`); ws.terminate(); process.exit(0); }, Number(waitMs));
});
