import { WRITE_LOCK } from '../../src/ledger/postgres/pg-db';
import { SyncPgClient } from '../../src/ledger/postgres/sync-client';
import { startFreezableProxyThread, type FreezableProxyThread } from '../support/freezable-proxy-thread';
import { freshPostgresDatabase, TEST_DATABASE_URL } from '../support/test-database';

/**
 * The synchronous PostgreSQL bridge when the network freezes while a connection is being made:
 * the caller is answered at its limit, and what it sent must then run nowhere. A connection
 * completed after that, with the caller's BEGIN and write lock on it, would be an orphan that
 * holds the ledger's write lock for good: every later write of every instance would wait on it.
 * Runs in the PostgreSQL runs (TEST_DATABASE_URL), as the outage test does.
 */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let network: FreezableProxyThread;
let url: string;
let direct: SyncPgClient;
beforeAll(async () => {
  if (!TEST_DATABASE_URL) throw new Error('runs in the PostgreSQL runs only (TEST_DATABASE_URL)');
  const database = new URL(freshPostgresDatabase(TEST_DATABASE_URL, 'postgres-outage-connect'));
  network = await startFreezableProxyThread(Number(database.port));
  direct = new SyncPgClient(database.toString());
  database.port = String(network.port);
  url = database.toString();
});
afterAll(async () => {
  direct?.close();
  await network?.close();
});

const heldWriteLocks = (): number =>
  direct.query(
    "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.granted AND l.objid = $1",
    [WRITE_LOCK % 2 ** 32],
    false,
  ).rows[0]?.[0] as number;

test('a write given up on while its connection was still being made runs nowhere once the network moves: no session keeps the write lock, and the next statements are served', async () => {
  const client = new SyncPgClient(url);
  try {
    client.answerLimitMs = 1_000;
    await network.freeze();
    const started = Date.now();
    expect(() => client.exec(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`)).toThrow(
      /did not answer within 1 s/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    await network.thaw();
    // The connection made before the freeze ended now completes: time for it to run what it was given.
    await sleep(1_500);
    expect(heldWriteLocks()).toBe(0);
    expect(
      direct.query(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        [],
        false,
      ).rows[0]?.[0],
    ).toBe(0);
    let answered: unknown = null;
    for (let i = 0; i < 40 && answered === null; i++) {
      try {
        answered = client.query('SELECT 41 + 1', [], false).rows[0]?.[0] ?? null;
      } catch {
        await sleep(250);
      }
    }
    expect(answered).toBe(42);
  } finally {
    await network.thaw();
    client.close();
  }
}, 30_000);
