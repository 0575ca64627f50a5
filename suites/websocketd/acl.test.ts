import { describe } from 'vitest';
import { conformanceCase, type CaseContext } from '../../src/case.ts';
import type { IssuedToken } from '../../src/target/wazo-control.ts';
import { control, deliveredBefore, event, eventName, expectReply, open, started } from './flows.ts';

/**
 * One event, one client of a role: delivered or not, decided by the event's required_acl. The event is published
 * between two sentinels (required_acl null) so that "not delivered" is observed, not guessed.
 */
async function deliveredTo(c: CaseContext, role: string, requiredAcl: (t: IssuedToken) => string | null | undefined): Promise<boolean> {
  const name = eventName(c);
  const sentinel = eventName(c, 'sentinel');
  const { ws, token } = await started(c, role, [name, sentinel]);
  await deliveredBefore(c, ws, [], sentinel);
  const e = event(name, requiredAcl(token));
  const got = await deliveredBefore(c, ws, [e], sentinel);
  c.measure('required_acl', JSON.stringify(e.required_acl) ?? '(missing)');
  return got.some((m) => m.name === name);
}

const MATRIX: Array<{ id: string; title: string; role: string; acl: (t: IssuedToken) => string | null | undefined; delivered: boolean }> = [
  { id: 'W-11.1', title: 'required_acl missing: no client receives the event', role: 'full', acl: () => undefined, delivered: false },
  { id: 'W-11.2', title: 'required_acl null: every subscribed client receives it (full ACL)', role: 'full', acl: () => null, delivered: true },
  { id: 'W-11.3', title: 'required_acl null: every subscribed client receives it (limited ACL)', role: 'limited', acl: () => null, delivered: true },
  { id: 'W-11.4', title: 'a string matched by the token ACL (events.#): delivered', role: 'full', acl: () => 'events.calls.1234', delivered: true },
  { id: 'W-11.5', title: 'a string the token ACL does not match: not delivered', role: 'limited', acl: () => 'events.calls.someone-else', delivered: false },
  { id: 'W-11.6', title: '* matches one word: events.users.*.status grants events.users.42.status', role: 'limited', acl: () => 'events.users.42.status', delivered: true },
  { id: 'W-11.7', title: '* matches one word only: events.users.*.status does not grant events.users.4.2.status', role: 'limited', acl: () => 'events.users.4.2.status', delivered: false },
  { id: 'W-11.8', title: '# matches any number of words: events.# grants events.a.b.c.d', role: 'full', acl: () => 'events.a.b.c.d', delivered: true },
  { id: 'W-11.9', title: 'me stands for the token user: events.calls.me grants events.calls.<own uuid>', role: 'limited', acl: (t) => `events.calls.${t.userUuid}`, delivered: true },
  { id: 'W-11.10', title: "me is only the token's own user: events.calls.<other uuid> is refused", role: 'limited', acl: () => 'events.calls.3c1e7a52-0000-4000-8000-0000000000ff', delivered: false },
  { id: 'W-11.11', title: 'my_session stands for the token session: events.sessions.<own session> granted', role: 'limited', acl: (t) => `events.sessions.${t.sessionUuid}`, delivered: true },
  { id: 'W-11.12', title: 'a negated entry wins: !events.secret.# refuses events.secret.plans despite events.#', role: 'negated', acl: () => 'events.secret.plans', delivered: false },
  { id: 'W-11.13', title: 'a negated entry denies only what it matches: events.public.news still granted', role: 'negated', acl: () => 'events.public.news', delivered: true },
];

describe.concurrent('W-11 ACL filtering of events', () => {
  for (const m of MATRIX) {
    conformanceCase(
      { id: m.id, title: m.title, expected: `${m.role} client: the event is ${m.delivered ? '' : 'not '}delivered` },
      async (c) => {
        const got = await deliveredTo(c, m.role, m.acl);
        c.check(got === m.delivered, m.delivered ? 'delivered' : 'not delivered', got ? 'delivered' : 'not delivered');
      },
    );
  }

  conformanceCase(
    { id: 'W-11.14', title: 'no ACL check at subscribe time', expected: 'a limited client may subscribe to any event: subscribe answered with code 0' },
    async (c) => {
      const { token } = await control(c).token('limited');
      const ws = await open(c, token);
      await expectReply(c, ws, 'init');
      ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'call_created' } }));
      await expectReply(c, ws, 'subscribe');
    },
  );

  conformanceCase(
    { id: 'W-11.15', title: 'one event, several clients: each gets it according to its own ACL', expected: 'events.calls.1234: the full client gets it, the limited one does not' },
    async (c) => {
      const name = eventName(c);
      const sentinel = eventName(c, 'sentinel');
      const full = await started(c, 'full', [name, sentinel], { label: 'full' });
      const limited = await started(c, 'limited', [name, sentinel], { label: 'limited' });
      await deliveredBefore(c, full.ws, [], sentinel);
      await deliveredBefore(c, limited.ws, [], sentinel);
      const ctl = control(c);
      await ctl.publish(event(name, 'events.calls.1234'));
      const [f, l] = await Promise.all([deliveredBefore(c, full.ws, [], sentinel), deliveredBefore(c, limited.ws, [], sentinel)]);
      c.check(f.some((e) => e.name === name) && !l.some((e) => e.name === name), 'full: delivered; limited: not', `full: ${f.length ? 'delivered' : 'not'}; limited: ${l.length ? 'delivered' : 'not'}`);
    },
  );
});
