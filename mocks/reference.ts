import { stompTarget, type StompTarget, type Timeouts } from '../src/target/target.ts';
import { startOamServer, type OamServerOptions } from './oam/server.ts';

/** Timeouts against the reference servers: everything is local, so waits are short and runs take seconds. */
export const REFERENCE_TIMEOUTS: Timeouts = { responseMs: 1500, closeMs: 1000, quietMs: 150 };

export interface ReferenceServers {
  stomp: StompTarget;
  close(): Promise<void>;
}

/** Starts the bundled reference servers on ephemeral loopback ports and describes them as targets. */
export async function startReferenceServers(options: { oam?: OamServerOptions } = {}): Promise<ReferenceServers> {
  const oam = await startOamServer(options.oam);
  return {
    stomp: stompTarget(
      { url: oam.stompUrl, insecure: true, limits: oam.limits },
      { destinationPrefix: '/topic/' },
      REFERENCE_TIMEOUTS,
    ),
    close: () => oam.close(),
  };
}
