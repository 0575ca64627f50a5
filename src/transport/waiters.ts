import type { CloseRecord } from './transcript.ts';

/**
 * What a recording transport (WebSocket, TCP) offers to code that waits on it: wake-ups when something arrives or the
 * connection changes, and the end of the connection within a bound. One mechanism for both transports.
 */
export class Waiters {
  private waiting: Array<() => void> = [];

  /** Resolves when `wake()` is called or `ms` pass, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiting.push(done);
    });
  }

  wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

/** The close record once `closed` resolves, or undefined if the connection is still open after `timeoutMs`. */
export async function closedWithin(closed: Promise<CloseRecord>, timeoutMs: number): Promise<CloseRecord | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  const result = await Promise.race([closed, timeout]);
  clearTimeout(timer);
  return result;
}
