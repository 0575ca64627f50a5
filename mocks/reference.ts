import { oamTarget, stompTarget, type OamTarget, type StompTarget, type Timeouts, type WebsocketdTarget } from '../src/target/target.ts';
import { REFERENCE_USERS } from './websocketd/auth.ts';
import { startWebsocketd, type WebsocketdOptions } from './websocketd/server.ts';
import { startOamServer, type OamServerOptions } from './oam/server.ts';

/** Timeouts against the reference servers: everything is local, so waits are short and runs take seconds. */
export const REFERENCE_TIMEOUTS: Timeouts = { responseMs: 1500, closeMs: 1000, quietMs: 150 };

export interface ReferenceServers {
  stomp: StompTarget;
  oam: OamTarget;
  websocketd: WebsocketdTarget;
  close(): Promise<void>;
}

/** Starts the bundled reference servers on ephemeral loopback ports and describes them as targets. */
export async function startReferenceServers(options: { oam?: OamServerOptions; websocketd?: WebsocketdOptions } = {}): Promise<ReferenceServers> {
  // Served over TLS with the test certificate, as the real OAM backend is (wss, https).
  const oam = await startOamServer({ tls: true, ...options.oam });
  const websocketd = await startWebsocketd(options.websocketd);
  const common = { url: oam.stompUrl, insecure: true, limits: oam.limits };
  return {
    stomp: stompTarget(common, { destinationPrefix: '/topic/' }, REFERENCE_TIMEOUTS),
    oam: oamTarget(
      {
        ...common,
        restUrl: oam.restUrl,
        settings: { stomp_max_timeout: oam.settings.stompMaxTimeoutMs, access_control_allow_origin: oam.settings.accessControlAllowOrigin },
        sampleUrl: `${oam.restUrl}/_control/sample`,
      },
      {},
      REFERENCE_TIMEOUTS,
    ),
    websocketd: {
      url: websocketd.url,
      authUrl: websocketd.authUrl,
      insecure: true,
      users: Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }])),
      profile: websocketd.profile,
      bus: options.websocketd?.bus
        ? { kind: 'amqp', url: options.websocketd.bus.url, exchange: options.websocketd.bus.exchange ?? 'wazo-headers' }
        : { kind: 'embedded', publishUrl: websocketd.publishUrl },
      timeouts: REFERENCE_TIMEOUTS,
    },
    close: async () => {
      await Promise.all([oam.close(), websocketd.close()]);
    },
  };
}
