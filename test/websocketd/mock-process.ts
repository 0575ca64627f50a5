import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_USERS } from '../../mocks/websocketd/auth.ts';
import type { TargetFile } from '../../src/target/target.ts';
import { BIN, ROOT, tmp } from '../run-cli.ts';

/** `rtc-conformance mock` in its own process on free ports, as a user would start it, with the URLs it printed. */
export interface MockProcess {
  child: ChildProcess;
  url: string;
  authUrl: string;
  publishUrl: string;
  liveTokensUrl?: string;
  stop(): Promise<void>;
}

export function startMockProcess(args: string[]): Promise<MockProcess> {
  const child = spawn(process.execPath, [BIN, 'mock', '--oam-port', '0', '--websocketd-port', '0', '--auth-port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`mock did not start: ${out}`))), 30_000);
    child.stderr!.on('data', (d) => (out += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('Ctrl-C to stop')) return;
      clearTimeout(timer);
      const pick = (re: RegExp) => re.exec(out)?.[1];
      resolve({
        child,
        url: pick(/Wazo websocketd reference \([\w-]+\): (wss?:\/\/[^?\s]+)/)!,
        authUrl: pick(/wazo-auth: (https:\/\/[^/\s]+)\/0\.1\/token/)!,
        publishUrl: pick(/bus: embedded \(POST (\S+)\)/)!,
        liveTokensUrl: pick(/live tokens: GET (\S+)/),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('close', (code) => (clearTimeout(timer), reject(new Error(`mock exited with ${code}: ${out}`))));
  });
}

/** A target file describing the mock's websocketd as a real target would be (no reference shortcuts). */
export function targetFileFor(mock: MockProcess, extra: Partial<NonNullable<TargetFile['websocketd']>> = {}): string {
  const file: TargetFile = {
    name: 'wazo-current mock given as a real target',
    websocketd: {
      url: mock.url,
      authUrl: mock.authUrl,
      insecure: true,
      profile: 'wazo-current',
      tokenCheck: { strategy: 'dynamic' },
      users: Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }])),
      bus: { publishUrl: mock.publishUrl },
      ...extra,
    },
  };
  const path = join(tmp('rtc-wazo-target-'), 'target.json');
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}
