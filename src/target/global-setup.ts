import type { TestProject } from 'vitest/node';
import { parseQuirks } from '../../mocks/quirks.ts';
import { REFERENCE_TIMEOUTS, startReferenceServers } from '../../mocks/reference.ts';
import { startFaultBackend } from '../hooks/fault-backend.ts';
import type { WebsocketdProfile } from '../../mocks/websocketd/server.ts';
import { ENDPOINTS, type Endpoint } from '../clauses.ts';
import { REAL_TIMEOUTS, namedEndpoints, hooksBackendTarget, oamTarget, stompTarget, websocketdTarget, type ResolvedTarget, type TargetFile } from './target.ts';
import type { RunOptions } from '../case.ts';

import { OPTIONS_ENV, TARGET_ENV } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rtcTarget: ResolvedTarget;
    rtcOptions: RunOptions;
  }
}

/** vitest globalSetup of the suites: starts the reference servers for every protocol without a real target. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const spec = JSON.parse(process.env[TARGET_ENV] || '{}') as TargetFile;
  const options = JSON.parse(process.env[OPTIONS_ENV] || '{}') as Partial<RunOptions> & {
    quirks?: string[];
    profile?: WebsocketdProfile;
    stompTransport?: 'websocket' | 'tcp';
    serve?: Endpoint[];
    /** `run --each-quirk`: project name → the faults (and websocketd profile) of that project's reference servers. */
    each?: Record<string, { quirks: string[]; profile?: WebsocketdProfile }>;
  };
  const own = options.each?.[project.name];
  if (options.each && !own) throw new Error(`no quirk is given for the project ${project.name}`);
  const quirks = parseQuirks(own ? own.quirks : (options.quirks ?? []));
  const profile = own ? own.profile : options.profile;
  const named = namedEndpoints(spec);
  const listen = spec.hooks?.client?.listen;
  const faultBackend = await startFaultBackend(listen ? { host: listen.host ?? '127.0.0.1', port: listen.port } : {});
  const reference = await startReferenceServers({
    hookApp: faultBackend.appUrl, wcsQuirks: quirks, ...(options.serve ? { serve: options.serve } : {}), oam: { quirks }, websocketd: { quirks, profile }, backend: { quirks } });
  const target: ResolvedTarget = {
    name: spec.name ?? (spec.stomp || spec.oam || spec.websocketd || spec.hooks ? 'custom target' : 'reference servers'),
    kinds: Object.fromEntries(ENDPOINTS.map((e) => [e, named.includes(e) ? 'real' : 'reference'])) as ResolvedTarget['kinds'],
    stomp: spec.stomp ? stompTarget(spec.stomp) : options.stompTransport === 'tcp' ? reference.stompTcp : reference.stomp,
    oam: spec.oam ? oamTarget(spec.oam) : reference.oam,
    websocketd: spec.websocketd ? websocketdTarget(spec.websocketd) : reference.websocketd,
    hooks: {
      backend: spec.hooks?.backend ? hooksBackendTarget(spec.hooks.backend) : reference.hooks.backend,
      client: spec.hooks?.client
        ? {
            wcs: spec.hooks.client.wcs.map((w, i) => ({ ...w, name: w.name ?? `wcs-${i + 1}` })),
            appKey: spec.hooks.client.appKey,
            refusedAppKey: spec.hooks.client.refusedAppKey,
            controlUrl: faultBackend.controlUrl,
            controlToken: faultBackend.controlToken,
            timeouts: REAL_TIMEOUTS,
          }
        : { wcs: reference.hooks.wcs, appKey: 'rtc', refusedAppKey: 'rtcRefused', controlUrl: faultBackend.controlUrl, controlToken: faultBackend.controlToken, timeouts: REFERENCE_TIMEOUTS },
    },
  };
  project.provide('rtcTarget', target);
  project.provide('rtcOptions', {
    strict: options.strict ?? false,
    seed: options.seed ?? 0,
    baseline: options.baseline ?? {},
    ...(options.fuzz ? { fuzz: options.fuzz } : {}),
    ...(options.select ? { select: options.select } : {}),
  });
  return async () => {
    await Promise.all([reference.close(), faultBackend.close()]);
  };
}
