import type { FrameInput } from '../../src/stomp/index.ts';
import type { StompConnection } from './stomp-connection.ts';

/** SUBSCRIBE `ack` modes (STOMP 1.2, "SUBSCRIBE ack Header"). */
export const ACK_MODES = ['auto', 'client', 'client-individual'] as const;
export type AckMode = (typeof ACK_MODES)[number];

export interface Subscription {
  id: string;
  destination: string;
  connection: StompConnection;
  ack: AckMode;
}

/** A message as the broker keeps it: the SEND it came from, and whether it was delivered before. */
export type BrokerMessage = FrameInput & { headers: Array<[string, string]>; redelivered?: boolean };

/** Destinations under this prefix are queues: each message goes to one subscriber and waits for one if there is none. */
export const QUEUE_PREFIX = '/queue/';

/**
 * Destinations and their subscribers. Topic-like destinations (anything not under /queue/): a SEND is delivered to
 * every subscription of its destination, and dropped when there is none. Queues (/queue/…): at-least-once delivery
 * to one subscriber at a time (round robin); messages wait for a subscriber; a message delivered to a subscription
 * that must acknowledge it and not acknowledged when the subscription ends (UNSUBSCRIBE, DISCONNECT, lost connection)
 * is put back at the head of its queue, marked `redelivered:true`, and delivered again.
 */
export class Broker {
  private readonly byDestination = new Map<string, Set<Subscription>>();
  private readonly queues = new Map<string, BrokerMessage[]>();
  private readonly turn = new Map<string, number>();

  static isQueue(destination: string): boolean {
    return destination.startsWith(QUEUE_PREFIX);
  }

  add(sub: Subscription): void {
    let set = this.byDestination.get(sub.destination);
    if (!set) this.byDestination.set(sub.destination, (set = new Set()));
    set.add(sub);
    if (Broker.isQueue(sub.destination)) queueMicrotask(() => this.dispatch(sub.destination));
  }

  remove(sub: Subscription): void {
    const set = this.byDestination.get(sub.destination);
    set?.delete(sub);
    if (set?.size === 0) this.byDestination.delete(sub.destination);
  }

  hasSubscribers(destination: string): boolean {
    return this.byDestination.has(destination);
  }

  publish(destination: string, frame: BrokerMessage): number {
    if (Broker.isQueue(destination)) {
      this.queue(destination).push(frame);
      this.dispatch(destination);
      return 1;
    }
    const set = this.byDestination.get(destination);
    if (!set) return 0;
    const [first] = set;
    for (const sub of set) {
      const to = set.size > 1 && first.connection.quirks.has('stomp.shared-destination-crosses-sessions') ? first.connection : sub.connection;
      to.deliver(sub, frame);
    }
    return set.size;
  }

  /** Unacknowledged messages of an ended subscription go back to the head of their queue, in their order. */
  requeue(destination: string, messages: BrokerMessage[]): void {
    if (!Broker.isQueue(destination) || messages.length === 0) return;
    this.queue(destination).unshift(...messages.map((m) => ({ ...m, redelivered: true })));
    queueMicrotask(() => this.dispatch(destination));
  }

  private queue(destination: string): BrokerMessage[] {
    let q = this.queues.get(destination);
    if (!q) this.queues.set(destination, (q = []));
    return q;
  }

  private dispatch(destination: string): void {
    const q = this.queues.get(destination);
    for (;;) {
      const subs = [...(this.byDestination.get(destination) ?? [])].filter((s) => s.connection.isConnected);
      if (!q?.length || subs.length === 0) break;
      const n = this.turn.get(destination) ?? 0;
      this.turn.set(destination, n + 1);
      const sub = subs[n % subs.length];
      sub.connection.deliver(sub, q.shift()!);
    }
    if (q?.length === 0) this.queues.delete(destination);
  }
}
