import { randomUUID } from 'node:crypto';
import type { CaseContext } from '../../../src/case.ts';
import type { Delivery, Fault } from '../../../src/hooks/fault-backend.ts';
import type { WcsInstance } from '../../../src/target/target.ts';
import { FlowError } from '../../../src/transport/stomp-session.ts';
import type { RecordingHttp } from '../../../src/transport/http-client.ts';
import { RecordingWebSocket } from '../../../src/transport/ws-client.ts';

type Settings = WcsInstance['settings'];

/** The first WCS instance whose settings fit the case; skips the case when the target has none. */
export function instance(c: CaseContext, fits: (s: Settings) => boolean, what: string): WcsInstance {
  const found = c.target.hooks.client.wcs.find((w) => fits(w.settings));
  if (!found) return c.skip(`no WCS instance of the target is configured with ${what} (target file: hooks.client.wcs[].settings)`);
  c.measure('WCS instance', `${found.name}: ${JSON.stringify(found.settings).replace(/"rest_hook_secret_key":"[^"]*"/, '"rest_hook_secret_key":"…"')}`);
  return found;
}

/** A WCS client session (client WebSocket API) whose hooks carry this case's marker, with the backend's faults set. */
export class WcsClient {
  readonly marker = `rtc-${randomUUID()}`;
  readonly messages: Array<{ message: string; data: Array<Record<string, unknown>>; at: number }> = [];
  /** When `connection` went out (the WebSocket open already): what a case times the target's answer from. */
  connectSentAt = 0;
  private ws!: RecordingWebSocket;

  constructor(
    readonly c: CaseContext,
    readonly wcs: WcsInstance,
  ) {}

  /** The harness backend's control surface, with its per-run token (redacted from every report). */
  private control(label: string): { http: RecordingHttp; headers: Record<string, string> } {
    return this.c.harnessControl(label);
  }

  async program(faults: Record<string, Fault>): Promise<void> {
    const { http, headers } = this.control('harness backend (control)');
    const r = await http.post(`${this.c.target.hooks.client.controlUrl}/faults?marker=${this.marker}`, faults, headers);
    if (r.status >= 300) throw new FlowError(`the harness backend refused the faults: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }

  /** Every request of this case the backend saw, stale attempts included (see `Delivery.stale`). */
  async requests(): Promise<Delivery[]> {
    const { http, headers } = this.control('harness backend (deliveries)');
    const r = await http.send('GET', `${this.c.target.hooks.client.controlUrl}/deliveries?marker=${this.marker}`, { headers });
    if (r.status !== 200 || !Array.isArray(r.json)) throw new FlowError(`the harness backend did not list the deliveries: HTTP ${r.status}`);
    return r.json as Delivery[];
  }

  /** Deliveries: requests that reached the backend on a connection it had not closed. */
  async deliveries(): Promise<Delivery[]> {
    return (await this.requests()).filter((d) => !d.stale);
  }

  /** Opens the client API and sends `connection` (appKey, custom with the marker); answers pings with pong. */
  async connect(appKey = this.c.target.hooks.client.appKey): Promise<void> {
    this.ws = await RecordingWebSocket.open(this.wcs.url, { insecure: this.wcs.insecure }, `WCS client API (${this.wcs.name})`);
    this.c.transcripts.push(this.ws.transcript);
    this.c.onCleanup(() => this.ws.close());
    this.ws.listeners.push((m) => {
      try {
        const parsed = JSON.parse(m.data.toString('utf8'));
        this.messages.push({ ...parsed, at: Date.now() });
        if (parsed.message === 'ping') this.ws.send(JSON.stringify({ message: 'pong', data: [null] }));
      } catch {
        // not JSON: kept in the transcript only
      }
    });
    this.ws.send(JSON.stringify({ message: 'connection', data: [{ appKey, mediaProviders: ['WebRTC'], custom: { rtcCase: this.marker } }] }));
    this.connectSentAt = Date.now();
  }

  sendData(payload: Record<string, unknown> = {}): string {
    const operationId = randomUUID();
    // The marker first: the backend finds it in the first chunk of a large body without reading the rest.
    this.ws.send(JSON.stringify({ message: 'sendData', data: [{ operationId, payload: { rtcCase: this.marker, ...payload } }] }));
    return operationId;
  }

  /** Waits for a client API message (e.g. ConnectionStatusEvent); its first data item. */
  async event(name: string, withinMs: number, accept: (d: Record<string, unknown>) => boolean = () => true): Promise<{ data: Record<string, unknown>; at: number } | undefined> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const m = this.messages.find((x) => x.message === name && accept(x.data?.[0] ?? {}));
      if (m) return { data: m.data?.[0] ?? {}, at: m.at };
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.ws.wait(Math.min(left, 50));
    }
  }
}

/** Opens a client on a fitting instance with the given faults, connected. */
export async function session(c: CaseContext, wcs: WcsInstance, faults: Record<string, Fault> = {}): Promise<WcsClient> {
  const client = new WcsClient(c, wcs);
  await client.program(faults);
  await client.connect();
  return client;
}

/** Waits a settling period and returns the deliveries of a method, with counts and timings as measurements. */
export async function settledDeliveries(client: WcsClient, method: string, settleMs: number): Promise<Delivery[]> {
  await new Promise((r) => setTimeout(r, settleMs));
  const all = (await client.deliveries()).filter((d) => d.method === method);
  client.c.measure(`${method} deliveries`, all.length);
  return all;
}
