import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { TargetError, type ContainerSpec, type TargetFile } from './target.ts';

/**
 * Container targets: the product under test is started with testcontainers before the run (Docker, or podman's
 * Docker API: scripts/podman.sh) and stopped after it, also when the run fails or is interrupted. Its ports are
 * published on the host, and the target's URLs that name a container port on 127.0.0.1/localhost are rewritten to the
 * mapped host port.
 */
export interface RunningContainer {
  /** The target file with its URLs pointing at the mapped ports. */
  spec: TargetFile;
  /** Container port → host port. */
  ports: Record<number, number>;
  stop(): Promise<void>;
}

/** A container whose id is known once it is created: one that then fails to start is removed, not left behind. */
class TrackedContainer extends GenericContainer {
  createdId?: string;
  protected override async containerCreated(containerId: string): Promise<void> {
    this.createdId = containerId;
  }
}

export async function startContainer(spec: TargetFile, log: (line: string) => void = () => {}): Promise<RunningContainer> {
  const c = spec.container as ContainerSpec;
  const tracked = new TrackedContainer(c.image);
  let container: GenericContainer = tracked
    .withExposedPorts(...c.ports)
    .withStartupTimeout(c.startupTimeoutMs ?? 60_000)
    .withWaitStrategy(c.waitFor && 'log' in c.waitFor ? Wait.forLogMessage(c.waitFor.log) : Wait.forListeningPorts());
  if (c.env) container = container.withEnvironment(c.env);
  if (c.command) container = container.withCommand(c.command);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (err) {
    // Created, but its start failed: testcontainers leaves such a container behind (one that started and never got
    // ready it removes itself; removing it again does no harm).
    if (tracked.createdId) {
      const id = tracked.createdId;
      await getContainerRuntimeClient()
        .then(async (client) => {
          const created = client.container.getById(id);
          await created.stop({ t: 0 }).catch(() => undefined);
          await created.remove({ force: true, v: true });
        })
        .catch(() => undefined);
    }
    throw new TargetError(`cannot start the container ${c.image}: ${(err as Error).message.split('\n')[0]}`);
  }
  const host = started.getHost();
  const ports = Object.fromEntries(c.ports.map((p) => [p, started.getMappedPort(p)]));
  log(`container ${c.image} (${started.getId().slice(0, 12)}) on ${host}: ${c.ports.map((p) => `${p}→${ports[p]}`).join(', ')}`);
  let stopped = false;
  return {
    spec: mapUrls(spec, host, ports),
    ports,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await started.stop({ timeout: 5_000 }).catch(() => undefined);
    },
  };
}

/** Every URL of the target on 127.0.0.1/localhost with a container port, pointed at `host` and the mapped port. */
export function mapUrls(spec: TargetFile, host: string, ports: Record<number, number>): TargetFile {
  const { container: _container, ...rest } = spec;
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string' && key && /url$/i.test(key)) {
      const m = /^(\w+:\/\/)(127\.0\.0\.1|localhost)(?::(\d+))?(.*)$/s.exec(value);
      if (m && m[3] && ports[Number(m[3])] !== undefined) return `${m[1]}${host}:${ports[Number(m[3])]}${m[4]}`;
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(rest) as TargetFile;
}
