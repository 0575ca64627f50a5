// A reference server in a process of its own, so that a hostile-peer test measures the server's memory alone.
// Prints one line of JSON with its URLs; stops on SIGTERM.
import { startOamServer } from '../../mocks/oam/server.ts';

const which = process.argv[2] ?? 'stomp';
if (which === 'stomp') {
  // stomp_max_timeout 3 s: on a loaded machine a CONNECT sent at once may take a second to be read.
  const server = await startOamServer({ tls: false, settings: { stompMaxTimeoutMs: 3000 }, bounds: { incompleteFrameMs: Number(process.env.INCOMPLETE_FRAME_MS ?? 10_000) } });
  process.stdout.write(`${JSON.stringify({ stompUrl: server.stompUrl, restUrl: server.restUrl })}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
