import { readFileSync } from 'node:fs';
import { REALMS, REASONS, schemaProblems } from '../../src/oam/realms.ts';
import type { Quirk } from '../quirks.ts';

/** The answer to one OAM request, the same on STOMP and REST. */
export interface RealmResult {
  status: number;
  reason: string;
  payload?: unknown;
}

type Row = Record<string, unknown> & { id: number };

export interface Sample {
  node: number;
  metric: number;
  value: number;
  timestamp: number;
}

export interface AlarmEvent {
  alarm: number;
  name: string;
  node: number;
  metric: number;
  value: number;
  timestamp: number;
}

const SEED = new URL('../../fixtures/oam/seed.json', import.meta.url);

class NotFound extends Error {}
class PersistError extends Error {}

const num = (v: unknown) => (typeof v === 'string' ? Number(v) : (v as number));
const nums = (v: unknown) => ((v as unknown[] | undefined) ?? []).map(num);

/**
 * The in-memory data of the OAM reference server, seeded from fixtures/oam/seed.json, and the realm handlers over it.
 * Ids come in as strings and go out as numbers; names are unique per table (a duplicate is a persistence failure).
 */
export class OamStore {
  private readonly tables: Record<string, Row[]>;
  private readonly streams: Array<{ node: number; mediaSessionId: string; name: string; published: boolean }>;
  private readonly history: Sample[] = [];
  private nextId = 100;
  /** Called when an alarm fires (the server pushes it on /alarm). */
  onAlarm: (event: AlarmEvent) => void = () => {};
  private readonly alarmSince = new Map<string, number>();

  constructor(private readonly quirks: ReadonlySet<Quirk> = new Set()) {
    const seed = JSON.parse(readFileSync(SEED, 'utf8'));
    this.tables = {
      metric: seed.metrics,
      node: seed.nodes,
      nodeStatus: seed.nodeStatus,
      profile: seed.profiles,
      rule: seed.rules,
      alarm: [],
    };
    this.streams = seed.streams;
  }

  handle(realm: string, payload: unknown): RealmResult {
    const spec = REALMS[realm];
    if (!spec) return { status: 404, reason: `${REASONS[404]}: no realm ${realm}` };
    const problems = schemaProblems(spec.request, payload ?? {});
    if (problems.length) return { status: 400, reason: `Bad Request: ${problems.join('; ')}` };
    const p = (payload ?? {}) as Record<string, unknown>;
    try {
      const result = this.dispatch(realm, p);
      return { status: 200, reason: REASONS[200], ...(result === undefined ? {} : { payload: result }) };
    } catch (err) {
      if (err instanceof NotFound) return { status: 400, reason: REASONS[400] };
      if (err instanceof PersistError) return { status: 500, reason: REASONS[500] };
      return { status: 500, reason: `Internal error: ${(err as Error).message}` };
    }
  }

  private dispatch(realm: string, p: Record<string, unknown>): unknown {
    const [, , entity, action] = realm.split('/');
    switch (entity) {
      case 'metric':
        return this.list('metric', p);
      case 'node_status':
        return this.list('nodeStatus', p);
      case 'stream':
        return this.streamRealm(action, p);
      case 'node':
        if (action === 'list') return this.list('node', p);
        if (action === 'delete') return this.remove('node', p);
        this.find('node', num(p.id)).profiles = nums(p.profiles).map((id) => this.find('profile', id).id);
        return undefined;
      default:
        if (action === 'list') return this.list(entity, p);
        if (action === 'delete') return this.remove(entity, p);
        return this.upsert(entity, action === 'create' ? undefined : num(p.id), this.row(entity, p));
    }
  }

  private row(entity: string, p: Record<string, unknown>): Omit<Row, 'id'> {
    if (entity === 'profile') {
      for (const id of nums(p.metrics)) this.find('metric', id);
      for (const id of nums(p.rules)) this.find('rule', id);
      return { name: p.name, rate: num(p.rate), metrics: nums(p.metrics), rules: nums(p.rules) };
    }
    if (entity === 'rule') {
      this.find('metric', num(p.metric));
      return { name: p.name, metric: num(p.metric), value: num(p.value), ...(p.note === undefined ? {} : { note: p.note }) };
    }
    this.find('metric', num(p.metric));
    if (p.node !== undefined) this.find('node', num(p.node));
    return { type: num(p.type), name: p.name, value: num(p.value), metric: num(p.metric), node: p.node === undefined ? null : num(p.node), time: num(p.time) };
  }

  private upsert(entity: string, id: number | undefined, row: Omit<Row, 'id'>): undefined {
    const table = this.tables[entity];
    if (table.some((r) => r.name === row.name && r.id !== id)) throw new PersistError();
    if (id === undefined) table.push({ id: this.nextId++, ...row });
    else Object.assign(this.find(entity, id), row);
    return undefined;
  }

  private list(entity: string, p: Record<string, unknown>): Row[] {
    const rows = p.id === undefined ? this.tables[entity] : [this.find(entity, num(p.id))];
    if (entity === 'profile' && this.quirks.has('oam.profile-ids-as-strings')) return rows.map((r) => ({ ...r, id: String(r.id) }) as unknown as Row);
    return rows;
  }

  private remove(entity: string, p: Record<string, unknown>): undefined {
    const table = this.tables[entity];
    table.splice(table.indexOf(this.find(entity, num(p.id))), 1);
    return undefined;
  }

  private find(entity: string, id: number): Row {
    const row = this.tables[entity].find((r) => r.id === id);
    if (!row) throw new NotFound();
    return row;
  }

  private streamRealm(action: string, p: Record<string, unknown>): unknown {
    const matches = this.streams.filter(
      (s) => (p.node === undefined || s.node === num(p.node)) && (p.mediaSessionId === undefined || s.mediaSessionId === p.mediaSessionId),
    );
    if (p.mediaSessionId !== undefined && matches.length === 0) throw new NotFound();
    if (action === 'list') return matches;
    const nodes = new Set(matches.map((s) => s.node));
    const from = p.from === undefined ? 0 : num(p.from);
    const to = p.to === undefined ? Infinity : num(p.to);
    const samples = this.history.filter((s) => nodes.has(s.node) && s.timestamp >= from && s.timestamp <= to);
    const shown = action === 'metrics' ? latestPerMetric(samples) : samples;
    return shown.map(({ timestamp, metric, value }) => ({ timestamp, metric, value }));
  }

  get knownStreams(): ReadonlyArray<{ node: number; mediaSessionId: string }> {
    return this.streams;
  }

  /** A metric sample from a node (the reference server's stand-in for what WCS nodes report); evaluates alarms. */
  sample(s: Sample): void {
    this.history.push(s);
    if (this.history.length > 10_000) this.history.splice(0, 5_000);
    for (const alarm of this.tables.alarm) {
      if (alarm.metric !== s.metric || (alarm.node !== null && alarm.node !== s.node)) continue;
      const key = `${alarm.id}/${s.node}`;
      if (!crosses(alarm.type as number, s.value, alarm.value as number)) {
        this.alarmSince.delete(key);
        continue;
      }
      const since = this.alarmSince.get(key);
      if (since === undefined) this.alarmSince.set(key, s.timestamp);
      else if (since >= 0 && s.timestamp - since >= (alarm.time as number)) {
        this.alarmSince.set(key, -1); // fired; re-armed when the condition clears
        this.onAlarm({ alarm: alarm.id, name: alarm.name as string, node: s.node, metric: s.metric, value: s.value, timestamp: s.timestamp });
      }
    }
  }
}

/** Alarm types (ours; the docs' example uses 0 for "drops below"): 0 <, 1 >, 2 =, 4 <=, 5 >=. */
function crosses(type: number, value: number, threshold: number): boolean {
  switch (type) {
    case 0: return value < threshold;
    case 1: return value > threshold;
    case 2: return value === threshold;
    case 4: return value <= threshold;
    default: return value >= threshold;
  }
}

function latestPerMetric(samples: Sample[]): Sample[] {
  const latest = new Map<number, Sample>();
  for (const s of samples) latest.set(s.metric, s);
  return [...latest.values()];
}
