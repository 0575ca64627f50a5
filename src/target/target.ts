import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { validators } from '../schemas.ts';
import type { Endpoint } from '../clauses.ts';
import { registerSecret, registerUrlSecrets } from '../report/redact.ts';
import type { StompEndpoint } from '../transport/stomp-session.ts';

/** A target's declared STOMP frame limits (S-11). */
export interface StompLimits {
  maxHeaders?: number;
  maxHeaderLineBytes?: number;
  maxBodyBytes?: number;
  /** Octets of one WebSocket message the server accepts (a transport limit, e.g. ws maxPayload; close 1009 past it). */
  maxMessageBytes?: number;
}

/**
 * How the target maps STOMP frames onto WebSocket messages (S-12): `stream` reassembles frames split over messages
 * and takes several frames in one message; `frame-per-message` takes each message as exactly one frame (ActiveMQ Classic).
 */
export const STOMP_FRAMINGS = ['stream', 'frame-per-message'] as const;
export type StompFraming = (typeof STOMP_FRAMINGS)[number];

export interface Timeouts {
  /** How long to wait for an expected frame. */
  responseMs: number;
  /** How long the server may take to close after an ERROR. */
  closeMs: number;
  /** How long to watch for a frame that must not come. */
  quietMs: number;
}

export interface StompTarget extends StompEndpoint {
  destinationPrefix: string;
  /** Declared framing over WebSocket (default `stream`); S-12 cases needing the other are skipped. */
  framing: StompFraming;
  /** Where queue destinations live (S-14, S-15: one consumer per message, kept until acknowledged). */
  queuePrefix: string;
  limits: StompLimits;
  timeouts: Timeouts;
}

/** The wcsoam.properties values a target declares. */
export interface OamSettingsDeclared {
  stomp_max_timeout?: number;
  access_control_allow_origin?: string;
}

export interface OamTarget extends StompTarget {
  restUrl: string;
  settings: OamSettingsDeclared;
  /** How to feed metric samples (alarms): only the reference server can be fed; absent on a real target. */
  sampleUrl?: string;
}

/** websocketd profiles (`--profile`, a target file's `websocketd.profile`, `mock --profile`). */
export const WEBSOCKETD_PROFILES = ['documented', 'wazo-v2', 'wazo-current'] as const;
export type WebsocketdProfileName = (typeof WEBSOCKETD_PROFILES)[number];

/**
 * How the service re-checks a connected token with wazo-auth (wazo-websocketd `auth_check_strategy`): `dynamic` (the
 * default) schedules the next check from the token's remaining lifetime; `static` checks every `intervalS` seconds
 * (`auth_check_static_interval`). Expiry and revocation are seen only at a check (W-5).
 */
export interface TokenCheck {
  strategy: 'dynamic' | 'static';
  intervalS?: number;
}

/** A role's wazo-auth user; its tenant and user uuids come from its token's metadata unless given. */
export interface WebsocketdUser {
  username: string;
  password: string;
  tenantUuid?: string;
  userUuid?: string;
}

export interface WebsocketdTarget {
  url: string;
  authUrl: string;
  insecure?: boolean;
  users: Record<string, WebsocketdUser>;
  profile: WebsocketdProfileName;
  /** The Wazo's own uuid (XIVO_UUID): events carry it as `origin_uuid`; a real Wazo routes on it. */
  uuid?: string;
  tokenCheck: TokenCheck;
  /** How events get onto the bus: AMQP (real Wazo, or the reference with --bus), or the reference's embedded bus. */
  bus: { kind: 'amqp'; url: string; exchange: string; exchangeType: string } | { kind: 'embedded'; publishUrl: string };
  timeouts: Timeouts;
}

export interface HooksBackendTarget {
  url: string;
  insecure?: boolean;
  settings: { rest_request_timeout: number; rest_hook_send_hash?: boolean; rest_hook_secret_key?: string };
  checksHash?: boolean;
  refusal?: { method: string; body: Record<string, unknown> };
  timeouts: Timeouts;
}

/** The flashphoner.properties settings of a WCS that govern its REST hook client. */
export interface WcsHookSettings {
  /** Seconds; 0 disables the timeout (H-11). */
  rest_request_timeout: number;
  rest_client_request_retry_count: number;
  rest_client_request_sent_retry_enabled: boolean;
  disable_rest_requests: boolean;
  rest_hook_send_hash?: boolean;
  rest_hook_secret_key?: string;
}

export interface WcsInstance {
  name: string;
  url: string;
  insecure?: boolean;
  settings: WcsHookSettings;
}

export interface HooksClientTarget {
  wcs: WcsInstance[];
  appKey: string;
  refusedAppKey?: string;
  /** The harness's fault backend control endpoint (started by the run; loopback, a path drawn per run). */
  controlUrl: string;
  /** Its per-run bearer token (a secret: registered wherever it is used). */
  controlToken: string;
  timeouts: Timeouts;
}

/** What the suites run against; serializable (it crosses from the CLI to vitest workers). */
export interface ResolvedTarget {
  name: string;
  /** `reference`: the bundled reference servers; `real`: a server the user named. Per endpoint. */
  kinds: Record<Endpoint, 'reference' | 'real'>;
  stomp: StompTarget;
  oam: OamTarget;
  websocketd: WebsocketdTarget;
  hooks: { backend: HooksBackendTarget; client: HooksClientTarget };
}

/** The target file (`--target FILE`), as validated by schemas/target.schema.json. */
/** A target that runs as a container: started before the run, stopped after it (src/target/container.ts). */
export interface ContainerSpec {
  image: string;
  ports: number[];
  env?: Record<string, string>;
  command?: string[];
  waitFor?: { ports: true } | { log: string };
  startupTimeoutMs?: number;
}

/** How `probe` found one value of a target file (never a MUST: what the spec leaves to the server). */
export interface ProbedValue {
  value: unknown;
  how: string;
}

export interface TargetFile {
  name?: string;
  /** Written by `rtc-conformance probe`: when, against what, and how each value was found. */
  probed?: { tool: string; at: string; url: string; findings: Record<string, ProbedValue>; warnings?: string[] };
  container?: ContainerSpec;
  stomp?: Partial<Omit<StompTarget, 'timeouts'>> & { url: string; timeouts?: Partial<Timeouts> };
  oam?: Partial<Omit<OamTarget, 'timeouts'>> & { url: string; restUrl: string; timeouts?: Partial<Timeouts> };
  hooks?: {
    backend?: Partial<Omit<HooksBackendTarget, 'timeouts' | 'settings'>> & { url: string; settings?: Partial<HooksBackendTarget['settings']>; timeouts?: Partial<Timeouts> };
    client?: { wcs: Array<Omit<WcsInstance, 'name'> & { name?: string }>; appKey: string; refusedAppKey?: string; listen: { host?: string; port: number } };
  };
  websocketd?: {
    url: string;
    authUrl: string;
    users: WebsocketdTarget['users'];
    bus?: { url: string; exchange?: string; exchangeType?: string } | { publishUrl: string };
    profile?: WebsocketdTarget['profile'];
    uuid?: string;
    tokenCheck?: TokenCheck;
    insecure?: boolean;
    timeouts?: Partial<Timeouts>;
  };
}

/** The endpoints a target file (with the flags merged in) names: the run tests these, and only these, as the target. */
export function namedEndpoints(spec: TargetFile): Endpoint[] {
  const named: Endpoint[] = [];
  if (spec.stomp) named.push('stomp');
  if (spec.oam) named.push('oam');
  if (spec.websocketd) named.push('websocketd');
  if (spec.hooks?.backend) named.push('hooks-backend');
  if (spec.hooks?.client) named.push('hooks-client');
  return named;
}

/** Registers every secret a target file holds (passcodes, passwords, keys, URL credentials) with the redaction step. */
export function registerTargetFileSecrets(spec: TargetFile): void {
  for (const e of [spec.stomp, spec.oam]) {
    registerSecret(e?.passcode, 'passcode');
    registerUrlSecrets(e?.url);
  }
  registerUrlSecrets(spec.oam?.restUrl);
  if (spec.websocketd) {
    registerUrlSecrets(spec.websocketd.url);
    registerUrlSecrets(spec.websocketd.authUrl);
    for (const u of Object.values(spec.websocketd.users ?? {})) registerSecret(u.password, 'password');
    if (spec.websocketd.bus && 'url' in spec.websocketd.bus) registerUrlSecrets(spec.websocketd.bus.url);
  }
  registerUrlSecrets(spec.hooks?.backend?.url);
  registerSecret(spec.hooks?.backend?.settings?.rest_hook_secret_key, 'HMAC key');
  for (const w of spec.hooks?.client?.wcs ?? []) {
    registerUrlSecrets(w.url);
    registerSecret(w.settings?.rest_hook_secret_key, 'HMAC key');
  }
}

/** Command-line overrides of the target file. */
export interface TargetFlags {
  stompUrl?: string;
  oamUrl?: string;
  oamRestUrl?: string;
  hooksBackendUrl?: string;
  login?: string;
  passcode?: string;
  host?: string;
  insecure?: boolean;
  /** `--profile`: the websocketd profile, for a real target as for the reference. */
  profile?: WebsocketdProfileName;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

const validate = validators.target;

/** ajv errors as indented lines naming the field (`stomp.limits.maxHeaders: must be integer`). */
export function schemaProblems(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(top level)';
    const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
    return `  ${where}: ${e.message}${extra}`;
  });
}

export function parseTargetFile(text: string, source: string): TargetFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TargetError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (!validate(data)) throw new TargetError(`${source}: invalid target file:\n${schemaProblems(validate.errors).join('\n')}`);
  return data as TargetFile;
}

/** The text of an input file (`what`: "target file", "baseline file"), or a TargetError naming the file and why. */
export function readInputFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TargetError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function loadTargetFile(path: string): TargetFile {
  return parseTargetFile(readInputFile(path, 'target file'), path);
}

/** Merges file and flags; protocols without a URL are left to the reference servers (filled in at run time). */
export function targetSpec(file: TargetFile | undefined, flags: TargetFlags): TargetFile {
  const spec: TargetFile = structuredClone(file ?? {});
  if (flags.stompUrl) {
    if (!STOMP_URL.test(flags.stompUrl)) throw new TargetError(`--stomp-url: "${flags.stompUrl}" is not a ws://, wss://, stomp:// or stomp+ssl:// URL`);
    spec.stomp = { ...spec.stomp, url: flags.stompUrl };
  }
  if (flags.oamUrl || flags.oamRestUrl) {
    if (!flags.oamUrl || !flags.oamRestUrl) throw new TargetError('--oam-url and --oam-rest-url go together (STOMP and REST of one OAM backend)');
    if (!/^wss?:\/\/\S+$/.test(flags.oamUrl)) throw new TargetError(`--oam-url: "${flags.oamUrl}" is not a ws:// or wss:// URL`);
    if (!/^https?:\/\/\S+$/.test(flags.oamRestUrl)) throw new TargetError(`--oam-rest-url: "${flags.oamRestUrl}" is not an http:// or https:// URL`);
    spec.oam = { ...spec.oam, url: flags.oamUrl, restUrl: flags.oamRestUrl.replace(/\/$/, '') };
  }
  if (flags.hooksBackendUrl) {
    if (!/^https?:\/\/\S+$/.test(flags.hooksBackendUrl)) throw new TargetError(`--hooks-backend-url: "${flags.hooksBackendUrl}" is not an http:// or https:// URL`);
    spec.hooks = { ...spec.hooks, backend: { ...spec.hooks?.backend, url: flags.hooksBackendUrl } };
  }
  if (flags.profile && spec.websocketd) spec.websocketd = { ...spec.websocketd, profile: flags.profile };
  const endpoints = [spec.stomp, spec.oam].filter((e) => e !== undefined) as Array<Record<string, unknown>>;
  if (endpoints.length) {
    for (const key of ['login', 'passcode', 'host', 'insecure'] as const) {
      if (flags[key] !== undefined) for (const e of endpoints) e[key] = flags[key];
    }
  } else if (flags.login || flags.passcode || flags.host) {
    throw new TargetError('--login/--passcode/--host need a target (--stomp-url, --oam-url or a target file)');
  }
  return spec;
}

/** STOMP over WebSocket (ws, wss) or over TCP/TLS (stomp, stomp+ssl); the same pattern as the target schema's stompUrl. */
const STOMP_URL = /^(wss?|stomp|stomp\+ssl):\/\/\S+$/;

export const REAL_TIMEOUTS: Timeouts = { responseMs: 3000, closeMs: 2000, quietMs: 500 };

export function oamTarget(spec: TargetFile['oam'], defaults: Partial<OamTarget> = {}, timeouts = REAL_TIMEOUTS): OamTarget {
  if (!spec) throw new TargetError('no OAM endpoint');
  return { settings: {}, ...stompTarget(spec, defaults, timeouts), restUrl: spec.restUrl, ...(spec.settings ? { settings: spec.settings } : {}) } as OamTarget;
}

export function websocketdTarget(spec: NonNullable<TargetFile['websocketd']>): WebsocketdTarget {
  if (!spec.bus) throw new TargetError('websocketd.bus: a real target needs "bus" (the AMQP broker of its Wazo: {"url": "amqp://…", "exchange": "wazo-headers"}) to publish events');
  return {
    url: spec.url,
    authUrl: spec.authUrl.replace(/\/$/, ''),
    insecure: spec.insecure,
    users: spec.users,
    profile: spec.profile ?? 'documented',
    ...(spec.uuid ? { uuid: spec.uuid } : {}),
    tokenCheck: spec.tokenCheck ?? { strategy: 'dynamic' },
    bus:
      'publishUrl' in spec.bus
        ? { kind: 'embedded', publishUrl: spec.bus.publishUrl }
        : { kind: 'amqp', url: spec.bus.url, exchange: spec.bus.exchange ?? 'wazo-headers', exchangeType: spec.bus.exchangeType ?? 'headers' },
    timeouts: { ...REAL_TIMEOUTS, ...spec.timeouts },
  };
}

export function hooksBackendTarget(spec: NonNullable<NonNullable<TargetFile['hooks']>['backend']>, timeouts = REAL_TIMEOUTS): HooksBackendTarget {
  return {
    ...spec,
    url: spec.url.replace(/\/$/, ''),
    settings: { rest_request_timeout: 15, ...spec.settings },
    timeouts: { ...timeouts, ...spec.timeouts },
  };
}

export function stompTarget(spec: TargetFile['stomp'], defaults: Partial<StompTarget> = {}, timeouts = REAL_TIMEOUTS): StompTarget {
  if (!spec) throw new TargetError('no STOMP endpoint');
  return {
    destinationPrefix: '/topic/',
    framing: 'stream',
    queuePrefix: '/queue/',
    limits: {},
    ...defaults,
    ...spec,
    timeouts: { ...timeouts, ...spec.timeouts },
  };
}
