import type { QueryResult, SyncPgClient } from './sync-client';

/**
 * How many rows one fetch brings over: the most rows of a query the process holds at once while
 * it iterates (events of a few hundred bytes: well under a megabyte a page).
 */
export const ITERATE_PAGE_ROWS = 1000;

/**
 * The rows of a query a page at a time through a server-side cursor, so walking the whole log
 * (`consent verify`) takes memory for one page, not for the ledger. A cursor lives in a
 * transaction: inside the caller's it is declared there (it sees what the transaction sees) and
 * closed at the end; outside one, `begin` opens a read-only REPEATABLE READ transaction (one
 * snapshot, as SQLite's read transaction gives an iterating statement) that `end` closes.
 * An iteration left early (a `break`) closes its cursor or transaction too.
 */
export function* cursorPages(
  client: SyncPgClient,
  name: string,
  text: string,
  values: unknown[],
  own: { begin: () => void; end: (failed: boolean) => void } | null,
  pageRows = ITERATE_PAGE_ROWS,
): Generator<QueryResult, void, undefined> {
  let failed = true;
  let done = false;
  try {
    own?.begin();
    client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values, false);
    for (;;) {
      const page = client.query(`FETCH FORWARD ${pageRows} FROM ${name}`, [], false);
      failed = false;
      if (page.rows.length > 0) yield page;
      failed = true;
      if (page.rows.length < pageRows) break;
    }
    failed = false;
    done = true;
  } finally {
    if (own) own.end(failed);
    // A failed statement doomed the caller's transaction, whose rollback drops the cursor with it.
    else if (!failed) closeCursor(client, name, done);
  }
}

function closeCursor(client: SyncPgClient, name: string, done: boolean): void {
  try {
    client.exec(`CLOSE ${name}`);
  } catch (error) {
    // Left early because the loop's body threw: that error is the one to see, not this one.
    if (done) throw error;
  }
}
