import type { Command, OptionValues } from './command.ts';
import { UsageError } from './command.ts';

export const mockCommand: Command = {
  name: 'mock',
  summary: 'Start the reference servers on their documented ports and print their URLs (Ctrl-C to stop).',
  options: {
    plain: { type: 'boolean', default: false, help: 'serve the OAM server over ws:// and http:// instead of wss:// and https://' },
    listen: { type: 'string', value: 'HOST', default: '127.0.0.1', help: 'the address to listen on (0.0.0.0 inside a container)' },
    'oam-port': { type: 'string', value: 'N', default: '8090', help: 'OAM port (documented: 8090; 0 picks a free one)' },
    'websocketd-port': { type: 'string', value: 'N', default: '9502', help: 'websocketd port (documented: 9502)' },
    'auth-port': { type: 'string', value: 'N', default: '9497', help: 'wazo-auth port (documented: 9497)' },
    'stomp-tcp-port': { type: 'string', value: 'N', help: 'also serve the OAM server\'s STOMP over raw TCP (TLS unless --plain) on port N (default: off; the documented STOMP port is 61613)' },
    bus: { type: 'string', value: 'URL', help: 'websocketd consumes events from this AMQP broker (exchange wazo-headers)' },
    profile: { type: 'string', value: 'P', default: 'documented', help: 'websocketd profile: documented, wazo-v2 or wazo-current (the current server)' },
    quirk: { type: 'string', value: 'NAME', multiple: true, default: [], help: 'start a deliberately broken reference server (see: rtc-conformance list --quirks)' },
  },
  async run(v: OptionValues): Promise<number> {
    const [{ QUIRKS, parseQuirks }, { TargetError, WEBSOCKETD_PROFILES }] = await Promise.all([import('../../mocks/quirks.ts'), import('../target/target.ts')]);
    let quirks;
    try {
      quirks = parseQuirks(v.quirk as string[]);
    } catch (err) {
      throw new UsageError(`--quirk: ${(err as Error).message}`);
    }
    const port = (flag: string) => {
      const n = Number(v[flag]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: "${v[flag]}" is not a port number`);
      return n;
    };
    const profile = v.profile as string;
    if (!(WEBSOCKETD_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile: "${profile}" is not one of ${WEBSOCKETD_PROFILES.join(', ')}`);
    const bus = v.bus as string | undefined;
    if (bus !== undefined && !/^amqps?:\/\//.test(bus)) throw new UsageError(`--bus: "${bus}" is not an amqp:// URL`);
    const host = v.listen as string;
    if (!/^[\w.:-]+$/.test(host)) throw new UsageError(`--listen: "${host}" is not a host address`);
    const inUse = (flag: string) => (err: NodeJS.ErrnoException) => {
      throw new TargetError(err.code === 'EADDRINUSE' ? `a port is already in use (choose another with --${flag})` : err.message);
    };
    const [{ startOamServer }, { startWebsocketd }] = await Promise.all([import('../../mocks/oam/server.ts'), import('../../mocks/websocketd/server.ts')]);
    if (quirks.size) process.stdout.write(`quirks on: ${[...quirks].map((q) => `${q} (breaks ${QUIRKS[q].clause})`).join(', ')}\n`);
    const stompTcpPort = v['stomp-tcp-port'] === undefined ? undefined : port('stomp-tcp-port');
    const oam = await startOamServer({ host, port: port('oam-port'), tls: !v.plain, quirks, ...(stompTcpPort !== undefined ? { stompTcpPort } : {}) })
      .catch(inUse(stompTcpPort !== undefined ? 'oam-port or --stomp-tcp-port' : 'oam-port'));
    const websocketd = await startWebsocketd({
      host,
      port: port('websocketd-port'),
      authPort: port('auth-port'),
      profile: profile as never,
      quirks,
      ...(bus ? { bus: { url: bus } } : {}),
    }).catch(async (err) => {
      await oam.close();
      return inUse('websocketd-port')(err);
    });
    process.stdout.write(`WCS OAM reference server (STOMP 1.2 over WebSocket): ${oam.stompUrl}\n`);
    if (oam.stompTcpUrl) process.stdout.write(`  STOMP 1.2 over ${v.plain ? 'TCP' : 'TLS'}: ${oam.stompTcpUrl}\n`);
    process.stdout.write(`  REST: ${oam.restUrl}/api/...${v.plain ? '' : '  (self-signed test certificate: use --insecure)'}\n`);
    process.stdout.write(`Wazo websocketd reference (${profile}): ${websocketd.url}?token=…${websocketd.url.startsWith('wss:') ? '  (wss, self-signed test certificate)' : ''}\n`);
    process.stdout.write(`  wazo-auth: ${websocketd.authUrl}/0.1/token (users: full, limited, negated, no-websocketd; see mocks/websocketd/auth.ts)\n`);
    process.stdout.write(`  bus: ${bus?.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') ?? `embedded (POST ${websocketd.publishUrl})`}\n`);
    if (profile === 'wazo-current') {
      process.stdout.write(`  Wazo uuid (origin_uuid): ${websocketd.uuid}; token check: ${JSON.stringify(websocketd.tokenCheck)}\n`);
      process.stdout.write(`  live tokens: GET ${websocketd.authUrl}/_control/live-tokens\n`);
    }
    process.stdout.write('Ctrl-C to stop.\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await Promise.all([oam.close(), websocketd.close()]);
    return 0;
  },
};
