import { hooksBackendTarget, oamTarget, stompTarget, type HooksBackendTarget, type WcsInstance, type OamTarget, type StompTarget, type Timeouts, type WebsocketdTarget } from '../src/target/target.ts';
import { ENDPOINTS, type Endpoint } from '../src/clauses.ts';
import type { Quirk } from './quirks.ts';
import { startEchoBackend, type EchoBackendOptions } from './wcs/backend.ts';
import { DEFAULT_HOOK_SETTINGS, type HookClientSettings } from './wcs/hook-client.ts';
import { startWcs } from './wcs/wcs.ts';
import { REFERENCE_USERS } from './websocketd/auth.ts';

/** The reference WCS instances of the client role: short settings so that the hooks suite takes seconds. */
const REFERENCE_WCS: Record<string, Partial<HookClientSettings>> = {
  default: { rest_request_timeout: 1, rest_client_request_retry_count: 2, rest_hook_send_hash: true, rest_hook_secret_key: 'rtc-conformance-wcs-secret' },
  'no-sent-retry': { rest_request_timeout: 1, rest_client_request_retry_count: 2, rest_client_request_sent_retry_enabled: false },
  'no-timeout': { rest_request_timeout: 0 },
  disabled: { disable_rest_requests: true },
};

/** The HMAC key of the reference hook backend (a test value, shown on purpose; redacted from transcripts all the same). */
const REFERENCE_HOOK_SECRET = 'rtc-conformance-test-secret';
import { REFERENCE_CURRENT_TOKEN_CHECK, startWebsocketd, type WebsocketdOptions } from './websocketd/server.ts';
import { startOamServer, type OamServerOptions } from './oam/server.ts';

/** Timeouts against the reference servers: everything is local, so waits are short and runs take seconds. */
export const REFERENCE_TIMEOUTS: Timeouts = { responseMs: 1500, closeMs: 1000, quietMs: 150 };

export interface ReferenceServers {
  stomp: StompTarget;
  /** The same STOMP server over raw TCP (stomp://), for `run --stomp-transport tcp`. */
  stompTcp: StompTarget;
  oam: OamTarget;
  websocketd: WebsocketdTarget;
  hooks: { backend: HooksBackendTarget; wcs: WcsInstance[] };
  close(): Promise<void>;
}

/**
 * Where a reference server that this run does not start would be: a refused loopback port. Only the suites of the
 * endpoints a run tests reach their servers, so no case ever opens it; if one did, it would be broken, not misled.
 */
const NOT_STARTED = 'ws://127.0.0.1:9/rtc-conformance-reference-not-started';

/**
 * Starts the bundled reference servers on ephemeral loopback ports and describes them as targets: only those of
 * `serve` (default: all; the fuzz suite's properties use stomp, websocketd and hooks-backend). A run against a real STOMP server starts none of the others: they would cost start-up time
 * and memory for nothing.
 */
export async function startReferenceServers(
  options: { oam?: OamServerOptions; websocketd?: WebsocketdOptions; backend?: EchoBackendOptions; hookApp?: string; wcsQuirks?: ReadonlySet<Quirk>; serve?: readonly Endpoint[] } = {},
): Promise<ReferenceServers> {
  const serve = new Set(options.serve ?? ENDPOINTS);
  const when = <T>(endpoint: Endpoint, start: () => Promise<T>): Promise<T | undefined> => (serve.has(endpoint) ? start() : Promise.resolve(undefined));
  const [oam, stomp, websocketd, backend, instances = []] = await Promise.all([
    // Served over TLS with the test certificate, as the real OAM backend is (wss, https).
    when('oam', () => startOamServer({ tls: true, ...options.oam })),
    // The STOMP 1.2 layer alone (the stomp and fuzz suites) over plain ws://: STOMP asks for no TLS, and a fuzz run
    // opens a connection per input, where TLS handshakes would cost most of the time.
    when('stomp', () => startOamServer({ ...options.oam, tls: false, stompTcpPort: 0 })),
    when('websocketd', () =>
      startWebsocketd({
        ...(options.websocketd?.profile === 'wazo-current' ? { tokenCheck: REFERENCE_CURRENT_TOKEN_CHECK } : {}),
        ...options.websocketd,
      }),
    ),
    when('hooks-backend', () => startEchoBackend({ secretKey: REFERENCE_HOOK_SECRET, refuseLogin: 'refuse-me', ...options.backend })),
    // Reference WCS instances, each configured differently, all calling the harness's backend (client role).
    when('hooks-client', () =>
      Promise.all(
        Object.entries(REFERENCE_WCS).map(async ([name, settings]) => {
          const wcs = await startWcs({
            settings: { ...DEFAULT_HOOK_SETTINGS, ...settings },
            applications: { rtc: options.hookApp ?? 'http://127.0.0.1:9/apps/none', rtcRefused: 'http://127.0.0.1:9/apps/refused' },
            pingMs: 1000,
            quirks: options.wcsQuirks,
          });
          return { wcs, instance: { name, url: wcs.url, settings: { ...DEFAULT_HOOK_SETTINGS, ...settings } } };
        }),
      ),
    ),
  ]);
  const websocketdProfile = websocketd?.profile ?? options.websocketd?.profile ?? 'documented';
  return {
    stomp: stompTarget({ url: stomp?.stompUrl ?? NOT_STARTED, limits: stomp ? { ...stomp.limits, maxMessageBytes: stomp.maxMessageBytes } : {} }, { destinationPrefix: '/topic/' }, REFERENCE_TIMEOUTS),
    // No WebSocket message limit over TCP: there are no messages.
    stompTcp: stompTarget({ url: stomp?.stompTcpUrl ?? NOT_STARTED, limits: stomp?.limits ?? {} }, { destinationPrefix: '/topic/' }, REFERENCE_TIMEOUTS),
    oam: oamTarget(
      {
        url: oam?.stompUrl ?? NOT_STARTED,
        insecure: true,
        limits: oam ? { ...oam.limits, maxMessageBytes: oam.maxMessageBytes } : {},
        restUrl: oam?.restUrl ?? NOT_STARTED.replace('ws:', 'http:'),
        settings: oam ? { stomp_max_timeout: oam.settings.stompMaxTimeoutMs, access_control_allow_origin: oam.settings.accessControlAllowOrigin } : {},
        ...(oam ? { sampleUrl: `${oam.restUrl}/_control/sample` } : {}),
      },
      {},
      REFERENCE_TIMEOUTS,
    ),
    websocketd: {
      url: websocketd?.url ?? NOT_STARTED,
      authUrl: websocketd?.authUrl ?? NOT_STARTED.replace('ws:', 'http:'),
      insecure: true,
      users: Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }])),
      profile: websocketdProfile,
      uuid: websocketd?.uuid ?? '',
      // documented and wazo-v2 re-check every 100 ms; wazo-current polls per its setting.
      tokenCheck: websocketd && websocketdProfile === 'wazo-current' ? websocketd.tokenCheck : { strategy: 'static', intervalS: 0.1 },
      bus: options.websocketd?.bus
        ? { kind: 'amqp', url: options.websocketd.bus.url, exchange: options.websocketd.bus.exchange ?? 'wazo-headers', exchangeType: 'headers' }
        : { kind: 'embedded', publishUrl: websocketd?.publishUrl ?? NOT_STARTED.replace('ws:', 'http:') },
      timeouts: REFERENCE_TIMEOUTS,
    },
    hooks: {
      backend: hooksBackendTarget(
        {
          url: backend?.url ?? NOT_STARTED.replace('ws:', 'http:'),
          settings: { rest_request_timeout: 2, rest_hook_send_hash: true, rest_hook_secret_key: REFERENCE_HOOK_SECRET },
          checksHash: true,
          refusal: { method: 'connect', body: { custom: { login: 'refuse-me' } } },
        },
        REFERENCE_TIMEOUTS,
      ),
      wcs: instances.map((i) => i.instance),
    },
    close: async () => {
      await Promise.all([oam?.close(), stomp?.close(), websocketd?.close(), backend?.close(), ...instances.map((i) => i.wcs.close())]);
    },
  };
}
