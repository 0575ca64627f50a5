import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/** Debian's Chromium (scripts/chromium.sh installs it), or undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

export interface PageVisit {
  /** Every request the page made (not the browser's own background traffic), as URLs. */
  requests: string[];
  /** `document.body.innerText` once the page has rendered, per visited URL (hash routes included). */
  texts: string[];
}

/**
 * Opens a page in headless Chromium over the DevTools protocol and records what the page requested and what it shows.
 * The browser is started with its background networking off, on a fresh profile, and killed afterwards (its whole
 * process group, before the profile is removed).
 */
export async function visit(url: string, opts: { clicks?: string[]; settleMs?: number } = {}): Promise<PageVisit> {
  const binary = chromiumPath();
  if (!binary) throw new Error('chromium is not installed (scripts/chromium.sh)');
  const profile = mkdtempSync(join(tmpdir(), 'rtc-chromium-'));
  const child: ChildProcess = spawn(binary, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-extensions', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
  ], { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const portFile = join(profile, 'DevToolsActivePort');
    for (let i = 0; i < 200 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    const [port, path] = readFileSync(portFile, 'utf8').split('\n');
    const browser = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise((resolve, reject) => (browser.once('open', resolve), browser.once('error', reject)));
    let nextId = 1;
    const pending = new Map<number, (v: { result?: Record<string, unknown>; error?: unknown }) => void>();
    const requests: string[] = [];
    browser.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id && pending.has(msg.id)) pending.get(msg.id)!(msg), pending.delete(msg.id);
      if (msg.method === 'Network.requestWillBeSent') requests.push(msg.params.request.url as string);
    });
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result ?? {})));
        browser.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      });
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    await send('Network.enable', {}, sessionId);
    await send('Page.enable', {}, sessionId);
    const texts: string[] = [];
    const settle = opts.settleMs ?? 3000;
    const read = async () => {
      const { result } = (await send('Runtime.evaluate', { expression: 'document.body.innerText', returnByValue: true }, sessionId)) as { result: { value: string } };
      texts.push(result.value);
    };
    await send('Page.navigate', { url }, sessionId);
    await new Promise((r) => setTimeout(r, settle));
    await read();
    // Each click: the innermost element whose own text starts with the given words (a tree group, a test result).
    for (const text of opts.clicks ?? []) {
      const expression = `(() => { const all = [...document.querySelectorAll('body *')].filter((e) => e.textContent.trim().startsWith(${JSON.stringify(text)}));
        const target = all.filter((e) => !all.some((o) => o !== e && e.contains(o))).pop(); if (target) target.click(); return Boolean(target); })()`;
      const { result } = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as { result: { value: boolean } };
      if (!result.value) throw new Error(`nothing on the page starts with "${text}"`);
      await new Promise((r) => setTimeout(r, 700));
      await read();
    }
    browser.close();
    return { requests: requests.filter((u) => !u.startsWith('about:')), texts };
  } finally {
    // The whole process group: Chromium's renderer and zygote processes write to the profile too.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
