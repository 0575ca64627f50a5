import { randomUUID } from 'node:crypto';
import type { CaseContext } from '../../src/case.ts';
import { REALMS, schemaProblems } from '../../src/oam/realms.ts';
import { bodyText, header } from '../../src/stomp/index.ts';
import type { HttpAnswer } from '../../src/transport/http-client.ts';
import type { ReceivedFrame, StompSession } from '../../src/transport/stomp-session.ts';
import { subscribe } from '../stomp/flows.ts';

/** The response envelope of the STOMP API. */
export interface OamResponse {
  requestId: string | null;
  status: number;
  reason: string;
  payload?: unknown;
}

export interface Answer {
  frame: ReceivedFrame;
  body: OamResponse;
  text: string;
}

export const SERVICE = '/user/service';
export const SERVICE_SUB = 'sub-1';

/** A connected OAM STOMP session subscribed to /user/service, that sends requests and matches their answers. */
export class OamClient {
  constructor(
    readonly c: CaseContext,
    readonly s: StompSession,
  ) {}

  static async open(c: CaseContext, label = 'OAM session'): Promise<OamClient> {
    const s = await c.stomp(label, {}, c.target.oam);
    await s.connectOrThrow({}, c.target.oam.timeouts.responseMs);
    await subscribe(c, s, SERVICE, SERVICE_SUB);
    return new OamClient(c, s);
  }

  /** Sends a request (SEND /app<realm>, exact content-length); returns its requestId. */
  send(realm: string, payload: unknown, requestId: string = randomUUID()): string {
    this.s.send({ command: 'SEND', headers: { destination: `/app${realm}` }, body: JSON.stringify({ requestId, realm, payload }) });
    return requestId;
  }

  /** Waits for the answer carrying `requestId` (other answers stay queued); undefined when none came. */
  async answer(requestId: string | null, timeoutMs = this.c.target.oam.timeouts.responseMs): Promise<Answer | undefined> {
    const frame = await this.s.nextFrame(timeoutMs, (f) => f.command === 'MESSAGE' && parse(f)?.requestId === requestId);
    if (!frame) return undefined;
    return { frame, body: parse(frame)!, text: bodyText(frame) };
  }

  /** Request and answer; no answer fails the case (the clause every request relies on is O-5). */
  async call(realm: string, payload: unknown): Promise<Answer> {
    const id = this.send(realm, payload);
    const a = await this.answer(id);
    if (!a) this.c.fail(`a response on ${SERVICE} carrying requestId ${id} (${realm})`, this.s.describeSilence(this.c.target.oam.timeouts.responseMs));
    return a;
  }

  /** Every MESSAGE on /user/service received so far (taken or not). */
  responses(): Array<{ frame: ReceivedFrame; body: OamResponse | undefined }> {
    return this.s.frames.filter((f) => f.command === 'MESSAGE' && header(f, 'subscription') === SERVICE_SUB).map((frame) => ({ frame, body: parse(frame) }));
  }
}

function parse(f: ReceivedFrame): OamResponse | undefined {
  try {
    const v = JSON.parse(bodyText(f));
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** POST to the REST mirror. */
export function rest(c: CaseContext, realm: string, payload: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return c.http('REST', c.target.oam.insecure).post(`${c.target.oam.restUrl}${realm}`, payload, headers);
}

/** A name no other run uses, so shared real targets are not disturbed. */
export function uniqueName(c: CaseContext, what: string): string {
  return `rtc-${what}-${c.meta.id}-${randomUUID().slice(0, 8)}`;
}

/** Checks the payload of a successful list answer against the realm's item schema. */
export function checkItems(c: CaseContext, realm: string, payload: unknown): unknown[] {
  c.check(Array.isArray(payload), `${realm}: payload is an array`, JSON.stringify(payload)?.slice(0, 200) ?? 'no payload');
  const items = payload as unknown[];
  const def = REALMS[realm].items!;
  for (const [i, item] of items.entries()) {
    const problems = schemaProblems(def, item);
    c.check(problems.length === 0, `${realm}: every item matches schemas/oam.schema.json#/definitions/${def}`, () => `item ${i} ${JSON.stringify(item)}: ${problems.join('; ')}`);
  }
  return items;
}

/** Checks an answer is 200 SUCCESS. */
export function checkSuccess(c: CaseContext, realm: string, body: { status?: unknown; reason?: unknown } | undefined): void {
  c.check(body?.status === 200 && body?.reason === 'SUCCESS', `${realm}: status 200, reason SUCCESS`, `status ${body?.status}, reason ${JSON.stringify(body?.reason)}`);
}

/** Creates a profile (and deletes it at the end of the case); returns its id, found by listing. */
export async function createProfile(c: CaseContext, oam: OamClient, name = uniqueName(c, 'profile')): Promise<number> {
  const created = await oam.call('/api/profile/create', { name, rate: '30', metrics: ['3'], rules: [] });
  checkSuccess(c, '/api/profile/create', created.body);
  const listed = await oam.call('/api/profile/list', {});
  const row = (listed.body.payload as Array<{ id: number; name: string }> | undefined)?.find((p) => p.name === name);
  if (!row) c.fail(`the created profile "${name}" in /api/profile/list`, 'not listed');
  c.onCleanup(() => oam.answer(oam.send('/api/profile/delete', { id: String(row.id) })));
  return row.id;
}
