/**
 * Errors that say the ledger's database cannot be reached right now (an instance restarting or
 * stopped, a session ended by an administrator, a connection cut), as opposed to errors that say
 * what was asked is wrong. The first kind goes away by waiting; the second does not.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // SQLite: another connection holds the lock for longer than the busy timeout.
  'SQLITE_BUSY',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection was lost|PostgreSQL did not answer|PostgreSQL is unreachable|PostgreSQL thread stopped|server closed the connection/i;

export function isLedgerUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.test(error.message);
}
