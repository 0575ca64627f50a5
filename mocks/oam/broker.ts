import type { StompFrame } from '../../src/stomp/index.ts';
import type { StompConnection } from './stomp-connection.ts';

export interface Subscription {
  id: string;
  destination: string;
  connection: StompConnection;
}

/** Destinations and their subscribers: a SEND is delivered to every subscription of its destination. */
export class Broker {
  private readonly byDestination = new Map<string, Set<Subscription>>();

  add(sub: Subscription): void {
    let set = this.byDestination.get(sub.destination);
    if (!set) this.byDestination.set(sub.destination, (set = new Set()));
    set.add(sub);
  }

  remove(sub: Subscription): void {
    const set = this.byDestination.get(sub.destination);
    set?.delete(sub);
    if (set?.size === 0) this.byDestination.delete(sub.destination);
  }

  hasSubscribers(destination: string): boolean {
    return this.byDestination.has(destination);
  }

  publish(destination: string, frame: StompFrame): number {
    const set = this.byDestination.get(destination);
    if (!set) return 0;
    const [first] = set;
    for (const sub of set) {
      const to = set.size > 1 && first.connection.quirks.has('stomp.shared-destination-crosses-sessions') ? first.connection : sub.connection;
      to.deliver(sub, frame);
    }
    return set.size;
  }
}
