/**
 * The faults a case can program into the harness's hook backend (client role), per marker and hook method, and
 * their validation: the control surface accepts nothing else (a 4xx names what is wrong).
 */
export type Fault =
  | { kind: 'answer'; restClientConfig?: Record<string, unknown> }
  | { kind: 'delay'; ms: number }
  /** Reads the request, then closes (FIN) without an answer: a fully sent request that got no response. */
  | { kind: 'drop' }
  /** TCP reset (RST) with no answer: for a hook body small enough to be sent at once, what a client sees of a reset before reading. */
  | { kind: 'reset' }
  | { kind: 'status'; status: number; body?: unknown }
  /**
   * The echo answer (200) sent in pieces, one every `intervalMs` (the first at once): the head in `headChunks` pieces
   * (default 1), then the body in `bodyChunks`. With `silentAfter`, only that many pieces are sent, then nothing more
   * (the connection stays open until the client gives up).
   */
  | { kind: 'trickle'; intervalMs: number; bodyChunks: number; headChunks?: number; silentAfter?: number }
  /** The response head (Content-Length of the whole echo) and half the body, then FIN: a half answer. */
  | { kind: 'half' }
  /**
   * Answered normally, keep-alive; if the connection is then idle for `afterMs`, the backend closes it (`fin`: FIN,
   * still reading, so that a request sent on it later is seen as a stale attempt; `rst`: TCP reset). The answer
   * carries `restClientConfig` when given, as `answer` does.
   */
  | { kind: 'idle-close'; afterMs: number; how: 'fin' | 'rst'; restClientConfig?: Record<string, unknown> }
  /** Reads the head and the first body chunk only (where the marker is), then closes: a send that fails part-way. */
  | { kind: 'close-after-headers' }
  /** Resets the connection (RST) as soon as the head and the first body chunk are in, before reading the body. */
  | { kind: 'reset-before-reading' };

export type FaultKind = Fault['kind'];

const int = (v: unknown, min: number, max: number): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** What is wrong with one fault (undefined: nothing). Every number is bounded, so that no fault can stall a run. */
function faultProblem(f: unknown): string | undefined {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return 'a fault is an object with a kind';
  const o = f as Record<string, unknown>;
  const keys = (...allowed: string[]) => {
    const extra = Object.keys(o).filter((k) => k !== 'kind' && !allowed.includes(k));
    return extra.length ? `unknown field ${extra.join(', ')} for kind ${o.kind}` : undefined;
  };
  switch (o.kind) {
    case 'answer':
      return keys('restClientConfig') ?? (o.restClientConfig !== undefined && (typeof o.restClientConfig !== 'object' || o.restClientConfig === null) ? 'restClientConfig must be an object' : undefined);
    case 'delay':
      return keys('ms') ?? (int(o.ms, 0, 120_000) ? undefined : 'ms must be an integer 0 … 120000');
    case 'drop':
    case 'reset':
    case 'half':
    case 'close-after-headers':
    case 'reset-before-reading':
      return keys();
    case 'status':
      return keys('status', 'body') ?? (int(o.status, 100, 599) && o.status !== 200 ? undefined : 'status must be an HTTP status 100 … 599 other than 200');
    case 'trickle':
      return (
        keys('intervalMs', 'bodyChunks', 'headChunks', 'silentAfter') ??
        (!int(o.intervalMs, 1, 60_000) ? 'intervalMs must be an integer 1 … 60000'
          : !int(o.bodyChunks, 1, 1000) ? 'bodyChunks must be an integer 1 … 1000'
            : o.headChunks !== undefined && !int(o.headChunks, 1, 100) ? 'headChunks must be an integer 1 … 100'
              : o.silentAfter !== undefined && !int(o.silentAfter, 0, 1100) ? 'silentAfter must be an integer 0 … 1100'
                : undefined)
      );
    case 'idle-close':
      return (
        keys('afterMs', 'how', 'restClientConfig') ??
        (!int(o.afterMs, 1, 60_000) ? 'afterMs must be an integer 1 … 60000'
          : o.how !== 'fin' && o.how !== 'rst' ? 'how must be fin or rst'
            : o.restClientConfig !== undefined && (typeof o.restClientConfig !== 'object' || o.restClientConfig === null) ? 'restClientConfig must be an object'
              : undefined)
      );
    default:
      return `unknown fault kind ${JSON.stringify(o.kind)}`;
  }
}

/** Validates a method → fault map as posted to the control surface. */
export function parseFaults(value: unknown): { faults: Record<string, Fault> } | { problem: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problem: 'the body must be a JSON object: hook method → fault' };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) return { problem: 'at most 50 methods' };
  for (const [method, fault] of entries) {
    if (!/^[A-Za-z][\w-]{0,63}$/.test(method)) return { problem: `not a hook method name: ${JSON.stringify(method.slice(0, 64))}` };
    const problem = faultProblem(fault);
    if (problem) return { problem: `${method}: ${problem}` };
  }
  return { faults: value as Record<string, Fault> };
}
