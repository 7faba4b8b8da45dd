/**
 * Whether the clip store answers, for /healthz: clips wait in the outbox while it does not, and an
 * operator should see that before the backlog grows. Asked at most every `everyMs` (a load balancer
 * polls /healthz often; S3 bills requests), each ask bounded by `timeoutMs` so that a store that
 * accepts and never answers cannot hold the health answer past a prober's patience.
 */
export function storeReachability(
  ping: () => Promise<void>,
  options: { everyMs?: number; timeoutMs?: number; clock?: () => number } = {},
): () => Promise<'ok' | `unreachable: ${string}`> {
  const everyMs = options.everyMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const now = options.clock ?? Date.now;
  let last: { at: number; status: 'ok' | `unreachable: ${string}` } | null = null;
  let asking: Promise<'ok' | `unreachable: ${string}`> | null = null;
  const ask = async (): Promise<'ok' | `unreachable: ${string}`> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      await Promise.race([ping(), timeout]);
      return 'ok';
    } catch (error) {
      const e = error as Error & { code?: string; name?: string };
      return `unreachable: ${(e.code ?? e.message ?? e.name ?? String(error)).slice(0, 200)}`;
    } finally {
      clearTimeout(timer);
    }
  };
  return async () => {
    if (last && now() - last.at < everyMs) return last.status;
    asking ??= ask().then((status) => {
      last = { at: now(), status };
      asking = null;
      return status;
    });
    return asking;
  };
}
