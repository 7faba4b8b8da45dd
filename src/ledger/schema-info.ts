import type { Db } from './driver';

/** Every text column of every table of the ledger, as each engine's catalogue lists them. */
export function textColumns(db: Db): Array<{ table: string; column: string; siblings: Set<string> }> {
  const rows =
    db.engine === 'postgres'
      ? (db
          .prepare(
            'SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position',
          )
          .all() as Array<{ t: string; c: string; type: string }>)
      : (db
          .prepare(
            "SELECT m.name AS t, p.name AS c, p.type AS type FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
          )
          .all() as Array<{ t: string; c: string; type: string }>);
  const byTable = new Map<string, Set<string>>();
  for (const r of rows) byTable.set(r.t, (byTable.get(r.t) ?? new Set()).add(r.c));
  return rows
    .filter((r) => !r.type || /TEXT|CHAR|CLOB/i.test(r.type))
    .map((r) => ({ table: r.t, column: r.c, siblings: byTable.get(r.t) ?? new Set() }));
}

/**
 * LIKE that compares bytes, on any column: PostgreSQL refuses LIKE on a case-insensitive
 * (nondeterministic) collation such as users.email's, so the column is compared under "C" there.
 */
export function binaryLike(db: Db): string {
  return db.engine === 'postgres' ? 'COLLATE "C" LIKE' : 'LIKE';
}
