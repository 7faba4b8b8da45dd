import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Db } from '../ledger/driver';
import { auditLog } from '../ledger/log-audit';
import { openPostgres } from '../ledger/postgres/pg-db';
import { openSqlite } from '../ledger/sqlite/open';

type Io = { out: (s: string) => void; err: (s: string) => void };

/** Rows per INSERT: one round trip each over the PostgreSQL bridge, well under its 65535 parameters. */
const ROWS_PER_INSERT = 200;

interface Table {
  name: string;
  columns: string[];
  /** Tables this one's foreign keys point at: copied first. */
  parents: string[];
}

function sqliteTables(db: Db): Table[] {
  const names = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  return names.map((name) => ({
    name,
    columns: db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(name) as string[],
    parents: (
      db.prepare('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').pluck().all(name) as string[]
    ).filter((p) => p !== name),
  }));
}

/** Parents before children, so every foreign key finds its row. */
function inCopyOrder(tables: Table[]): Table[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const order: Table[] = [];
  const visit = (t: Table, path: Set<string>): void => {
    if (done.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent, path);
    }
    done.add(t.name);
    order.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return order;
}

function targetColumns(pg: Db): Map<string, Set<string>> {
  const rows = pg
    .prepare(
      'SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema()',
    )
    .all() as Array<{ t: string; c: string }>;
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.t, (out.get(r.t) ?? new Set()).add(r.c));
  return out;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function copyTable(source: Db, target: Db, table: Table, columns: string[]): number {
  const list = columns.map(quote).join(', ');
  const read = source.prepare(`SELECT ${list} FROM ${quote(table.name)}`);
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    const row = `(${columns.map(() => '?').join(', ')})`;
    target
      .prepare(`INSERT INTO ${quote(table.name)} (${list}) VALUES ${batch.map(() => row).join(', ')}`)
      .run(...batch.flat());
    copied += batch.length;
    batch = [];
  };
  for (const r of read.iterate() as Iterable<Record<string, unknown>>) {
    batch.push(columns.map((c) => r[c]));
    if (batch.length >= ROWS_PER_INSERT) flush();
  }
  flush();
  return copied;
}

/** Identity columns were given explicit ids: their sequences continue after the highest one. */
function advanceIdentities(target: Db): void {
  const identities = target
    .prepare(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .all() as Array<{ t: string; c: string }>;
  for (const { t, c } of identities) {
    const max = target
      .prepare(`SELECT MAX(${quote(c)}) FROM ${quote(t)}`)
      .pluck()
      .get() as number | null;
    if (max !== null)
      target.prepare('SELECT setval(pg_get_serial_sequence(?, ?), ?)').get(quote(t), c, Number(max));
  }
}

/**
 * `consent migrate-to-postgres [--from <file>]`: copies every row of a SQLite ledger into the
 * (empty) PostgreSQL at DATABASE_URL in one transaction, then proves the copy: the event chain
 * verifies on the target, and its Merkle tree has the same size and root as the source's, and
 * every table holds as many rows as it did. A target that already holds rows is refused.
 */
export function migrateToPostgres(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): number {
  const { values } = parseArgs({ args, options: { from: { type: 'string' } } });
  const url = env.DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    io.err('consent migrate-to-postgres: set DATABASE_URL to the postgres:// URL to copy into\n');
    return 2;
  }
  const from = values.from ?? env.DATABASE_PATH ?? './data/consent.db';
  if (!fs.existsSync(from)) {
    io.err(
      `consent migrate-to-postgres: no SQLite ledger at ${from} (give --from <file> or DATABASE_PATH)\n`,
    );
    return 2;
  }
  const source = openSqlite(from);
  const target = openPostgres(url);
  try {
    const before = auditLog(source);
    if (!before.ok) {
      io.err(`the source ledger does not verify; nothing copied:\n  - ${before.problems.join('\n  - ')}\n`);
      return 1;
    }
    const tables = inCopyOrder(sqliteTables(source));
    const known = targetColumns(target);
    const counts = new Map<string, number>();
    target
      .transaction(() => {
        const occupied = tables.filter(
          (t) =>
            known.has(t.name) &&
            (target
              .prepare(`SELECT COUNT(*) FROM ${quote(t.name)}`)
              .pluck()
              .get() as number) > 0,
        );
        if (occupied.length > 0)
          throw new Error(
            `the PostgreSQL ledger is not empty (${occupied.map((t) => t.name).join(', ')}); nothing copied`,
          );
        for (const t of tables) {
          const cols = known.get(t.name);
          if (!cols) throw new Error(`table ${t.name} has no counterpart in PostgreSQL; nothing copied`);
          const missing = t.columns.filter((c) => !cols.has(c));
          if (missing.length > 0)
            throw new Error(
              `${t.name}.${missing.join(', ')} has no counterpart in PostgreSQL; nothing copied`,
            );
          counts.set(t.name, copyTable(source, target, t, t.columns));
        }
        advanceIdentities(target);
      })
      .immediate();
    const after = auditLog(target);
    const problems = [...after.problems];
    if (after.size !== before.size || !after.tree.root().equals(before.tree.root()))
      problems.push(
        `the copy's Merkle tree (size ${after.size}) differs from the source's (size ${before.size})`,
      );
    for (const [name, n] of counts) {
      const there = target
        .prepare(`SELECT COUNT(*) FROM ${quote(name)}`)
        .pluck()
        .get() as number;
      if (Number(there) !== n) problems.push(`${name}: ${n} rows copied, ${there} found`);
    }
    for (const [name, n] of counts) io.out(`${name.padEnd(24)} ${n}\n`);
    if (problems.length > 0) {
      io.err(`the copy does not prove out:\n  - ${problems.join('\n  - ')}\n`);
      return 1;
    }
    io.out(
      `copied ${[...counts.values()].reduce((a, b) => a + b, 0)} rows; chain verified on PostgreSQL; ` +
        `Merkle root ${after.tree.root().toString('hex')} at size ${after.size}, the same as the source's\n`,
    );
    return 0;
  } catch (error) {
    io.err(`consent migrate-to-postgres: ${(error as Error).message}\n`);
    return 1;
  } finally {
    source.close();
    target.close();
  }
}
