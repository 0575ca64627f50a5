import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { REFERENCE_USERS } from '../../mocks/websocketd/auth.ts';
import { startWebsocketd, type RunningWebsocketd } from '../../mocks/websocketd/server.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { clearSecrets, redact, registerSecret } from '../../src/report/redact.ts';
import { Transcript } from '../../src/transport/transcript.ts';
import { cli, tmp } from '../run-cli.ts';
import { leaks, reportTexts } from './report-files.ts';

describe('one redaction step', () => {
  test('registered secrets are redacted in the raw text, before rendering: a passcode with a tab is never half shown', () => {
    clearSecrets();
    registerSecret('SECRET\t77', 'passcode');
    const t = new Transcript('s');
    t.record('out', 'text', 'CONNECT\naccept-version:1.2\npasscode:SECRET\t77\n\n\0');
    const shown = t.render();
    expect(shown).not.toMatch(/SECRET|77/);
    expect(shown).toContain('passcode:<redacted passcode>');
  });

  test('shapes of secrets we did not register: URL userinfo, token query parameters, auth headers', () => {
    clearSecrets();
    expect(redact('cannot open WebSocket wss://h:9502/?token=4f1c-aa&version=2: HTTP 401')).toBe('cannot open WebSocket wss://h:9502/?token=<redacted>&version=2: HTTP 401');
    expect(redact('ws://qa:hunter22@broker/ws')).toBe('ws://qa:<redacted password>@broker/ws');
    expect(redact('Authorization: WCS 0a1b2c\nX-Auth-Token: 5f5f')).toBe('Authorization: WCS <redacted>\nX-Auth-Token: <redacted>');
  });

  test('a hostile peer cannot grow a transcript without bound: head and tail kept, the middle counted; heart-beat runs collapsed', () => {
    const t = new Transcript('flood');
    for (let i = 0; i < 100_000; i++) t.record('in', 'text', '\n');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 960; i++) t.record('in', 'text', chunk);
    const shown = t.render();
    expect(shown).toMatch(/×100000 \(the last at/);
    expect(shown).toMatch(/… [\d.]+ MiB in \d+ messages not shown …/);
    expect(shown.length).toBeLessThan(200_000);
  });
});

describe('secrets never reach a report', () => {
  let stomp: RunningOamServer;
  let refuse: Server;
  let refuseUrl: string;
  beforeAll(async () => {
    stomp = await startOamServer({ tls: false });
    // A proxy that answers every WebSocket open with HTTP 401.
    refuse = createServer((_req, res) => res.writeHead(401).end('no'));
    refuse.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => refuse.listen(0, '127.0.0.1', r));
    refuseUrl = `ws://rtc-user:Pr0xyPassw0rd@127.0.0.1:${(refuse.address() as { port: number }).port}/ws`;
  });
  afterAll(async () => {
    await Promise.all([stomp.close(), new Promise((r) => refuse.close(r))]);
  });

  const secrets = ['Pr0xyPassw0rd', 'SECRET\t77x', 'SECRET', 'Ur1Passw0rd'];

  test('a run whose every WebSocket open fails with 401: 0 secrets in any file under reports/ or on the console', async () => {
    const reports = tmp();
    const r = await cli(['run', '--stomp-url', refuseUrl, '--passcode', 'SECRET\t77x', '--login', 'qa', '--reports', reports]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(leaks(reports, r.out, secrets)).toEqual([]);
  });

  test('a clean run with a passcode and URL credentials: 0 secrets in any file under reports/ (HTML decoded) or on the console', async () => {
    const reports = tmp();
    const dir = tmp();
    const target = join(dir, 'target.json');
    const url = stomp.stompUrl.replace('ws://', 'ws://qa:Ur1Passw0rd@');
    writeFileSync(target, JSON.stringify({ name: `broker at ${url}`, stomp: { url, login: 'qa', passcode: 'SECRET\t77x' } }));
    const r = await cli(['run', '--target', target, '--case', 'S-1.1,S-1.2,S-8.1,S-9.1', '--reports', reports]);
    expect(r.code, r.out).toBe(0);
    const html = readFileSync(join(reports, 'allure-report', 'index.html'), 'utf8');
    expect(html).toMatch(/<title>[^<]*(<|&lt;)redacted password/);
    expect(reportTexts(reports).some((f) => f.text.includes('passcode:<redacted passcode>'))).toBe(true);
    expect(leaks(reports, r.out, secrets)).toEqual([]);
  }, 120_000);
});

describe('live tokens never reach a report (websocketd)', () => {
  let wazo: RunningWebsocketd;
  let proxy: Server;
  let proxyUrl: string;
  let forwarded = 0;
  beforeAll(async () => {
    wazo = await startWebsocketd({ profile: 'wazo-current', tokenCheck: { strategy: 'static', intervalS: 0.5 } });
    // A proxy in front of the service, as Wazo's nginx is: it lets the pre-flight's two opens through, then answers
    // every WebSocket open with HTTP 401, so that every case's open fails with its live token in the URL.
    const service = new URL(wazo.url);
    proxy = createHttpsServer({ cert: readFileSync(new URL('../../fixtures/tls/cert.pem', import.meta.url)), key: readFileSync(new URL('../../fixtures/tls/key.pem', import.meta.url)) });
    proxy.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (forwarded++ >= 2) return void socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      const upstream = tlsConnect({ host: service.hostname, port: Number(service.port), rejectUnauthorized: false }, () => {
        upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `wss://127.0.0.1:${(proxy.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    await Promise.all([wazo.close(), new Promise((r) => proxy.close(r))]);
  });

  test('every case\'s WebSocket open fails with 401: the cases are broken, and 0 of the tokens issued are in any report file or on the console; none is left live', async () => {
    const dir = tmp();
    const target = join(dir, 'target.json');
    writeFileSync(target, JSON.stringify({
      websocketd: {
        url: proxyUrl, authUrl: wazo.authUrl, insecure: true, profile: 'wazo-current', tokenCheck: { strategy: 'static', intervalS: 0.5 },
        users: Object.fromEntries(Object.entries(REFERENCE_USERS).map(([role, u]) => [role, { username: role, password: u.password }])),
        bus: { publishUrl: wazo.publishUrl },
      },
    }));
    const before = new Set(wazo.issuedTokens());
    const reports = join(dir, 'reports');
    const r = await cli(['run', '--target', target, '--grep', '^W-(1|2|7|8|11)\\.', '--reports', reports], { timeoutMs: 200_000 });
    const issued = wazo.issuedTokens().filter((t) => !before.has(t));
    expect(r.out).toMatch(/HTTP 401/);
    expect(r.out).toMatch(/token=<redacted/);
    expect(issued.length).toBeGreaterThanOrEqual(10);
    expect(leaks(reports, r.out, issued)).toEqual([]);
    expect(wazo.liveTokens()).toBe(0);
  }, 240_000);
});
