import type { Command, OptionValues } from './command.ts';
import { UsageError } from './command.ts';

/** `rtc-conformance probe --stomp-url URL [--out FILE]`: the logic is src/probe/stomp.ts, loaded only when probing. */
export const probeCommand: Command = {
  name: 'probe',
  summary: 'Learn what STOMP 1.2 leaves to a server (versions, heart-beats, framing, limits, receipts) and write a target file.',
  options: {
    'stomp-url': { type: 'string', value: 'URL', help: 'the STOMP-over-WebSocket endpoint, e.g. ws://127.0.0.1:15674/ws' },
    out: { type: 'string', value: 'FILE', help: 'write the target file here (default: print it)' },
    login: { type: 'string', value: 'L', help: 'STOMP CONNECT login' },
    passcode: { type: 'string', value: 'P', help: 'STOMP CONNECT passcode (used, never written: give it to run with --passcode)' },
    host: { type: 'string', value: 'H', help: 'STOMP CONNECT host (virtual host)' },
    insecure: { type: 'boolean', default: false, help: 'accept self-signed TLS certificates' },
    'max-bytes': { type: 'string', value: 'N', default: String(8 * 1024 * 1024), help: 'largest frame or message the probe sends (default 8 MiB)' },
    'probe-time': { type: 'string', value: 'S', default: '120', help: 'time budget of the probe in seconds (default 120)' },
    'response-ms': { type: 'string', value: 'MS', default: '2000', help: 'how long one answer may take (default 2000)' },
  },
  notes: 'A probe declares no MUST: what it finds is what the spec leaves to the server. The passcode is never written to the file.\nexit codes: 0 written, 2 usage error or not a STOMP 1.2 server',
  async run(v: OptionValues): Promise<number> {
    const url = v['stomp-url'] as string | undefined;
    if (!url) throw new UsageError('--stomp-url is required');
    if (!/^wss?:\/\/\S+$/.test(url)) throw new UsageError(`--stomp-url: "${url}" is not a ws:// or wss:// URL`);
    const number = (flag: string) => {
      const n = Number(v[flag]);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag}: "${v[flag]}" is not a positive integer`);
      return n;
    };
    const [{ writeFileSync }, { registerSecret, registerUrlSecrets, redact }, { probeStomp }] = await Promise.all([
      import('node:fs'),
      import('../report/redact.ts'),
      import('../probe/stomp.ts'),
    ]);
    const options = { maxBytes: number('max-bytes'), timeMs: number('probe-time') * 1000, responseMs: number('response-ms') };
    registerSecret(v.passcode as string | undefined, 'passcode');
    registerUrlSecrets(url);
    const endpoint = {
      url,
      ...(v.login !== undefined ? { login: v.login as string } : {}),
      ...(v.passcode !== undefined ? { passcode: v.passcode as string } : {}),
      ...(v.host !== undefined ? { host: v.host as string } : {}),
      ...(v.insecure ? { insecure: true } : {}),
    };
    let result: Awaited<ReturnType<typeof probeStomp>>;
    try {
      result = await probeStomp(endpoint, options);
    } catch (err) {
      process.stderr.write(`rtc-conformance probe: ${redact((err as Error).message)}\n`);
      return 2;
    }
    const text = `${JSON.stringify({ $schema: 'https://rtc-conformance.dev/schemas/target.schema.json', ...result.file }, null, 2)}\n`;
    for (const [name, f] of Object.entries(result.findings)) process.stderr.write(`${name}: ${JSON.stringify(f.value)}  (${f.how})\n`);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    if (v.out) {
      writeFileSync(v.out as string, text);
      process.stderr.write(`target file written: ${v.out as string}${endpoint.passcode !== undefined ? ' (pass the passcode to run with --passcode)' : ''}\n`);
    } else process.stdout.write(text);
    return 0;
  },
};
