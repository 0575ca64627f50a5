/**
 * Stalls of this thread's event loop: the harness's own delays. A case that times the target (a give-up "at about the
 * timeout", a failure "at once") cannot blame the target for time the harness spent stalled (an overloaded machine, a
 * long synchronous step): such a timing verdict is broken, not failed (CaseContext.checkTiming). The fault backend
 * reports its own stalls with each delivery, since it stamps the arrival times cases measure from.
 */
const TICK_MS = 20;
/** A tick this much later than due is a stall. */
const STALL_MS = 40;
const KEEP_MS = 120_000;
const stalls: Array<{ from: number; to: number }> = [];
let last = 0;
let timer: NodeJS.Timeout | undefined;

/** Starts watching this thread (once; the watch never keeps the process alive). */
export function watchStalls(): void {
  if (timer) return;
  last = Date.now();
  timer = setInterval(() => {
    const now = Date.now();
    if (now - last - TICK_MS > STALL_MS) {
      stalls.push({ from: last, to: now });
      while (stalls.length && stalls[0].to < now - KEEP_MS) stalls.shift();
    }
    last = now;
  }, TICK_MS);
  timer.unref();
}

/**
 * The longest stall of this thread (ms beyond its tick) that overlaps [from, to]; 0 when it was never watched. A stall
 * is seen once the overdue tick has run: the timing cases check after an exchange with the backend, never in the
 * callback that ended the stall.
 */
export function longestStall(from: number, to = Date.now()): number {
  let worst = 0;
  for (const s of stalls) if (s.to > from && s.from < to) worst = Math.max(worst, s.to - s.from - TICK_MS);
  return Math.round(worst);
}
