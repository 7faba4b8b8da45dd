/**
 * Consecutive queued inserts of the same plain `INSERT INTO t (cols) VALUES ($1, ..., $k)` (the
 * events of one append, the Merkle nodes they add) are sent as one multi-row insert: one statement
 * for the server to bind, execute and answer instead of one each. Each row still either goes in
 * or fails the statement, and with it the transaction, exactly as the single inserts would have.
 */
export interface RowStatement {
  text: string;
  values?: unknown[];
  prepared?: boolean;
}

interface Shape {
  head: string;
  width: number;
}

const PLAIN_INSERT =
  /^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*VALUES\s*\(([^()]*)\)\s*$/i;
/** Few enough distinct texts to keep each prepared; far below PostgreSQL's 65535 parameters. */
const MAX_ROWS = 32;

const shapes = new Map<string, Shape | null>();
function shapeOf(text: string): Shape | null {
  let shape = shapes.get(text);
  if (shape === undefined) {
    const m = PLAIN_INSERT.exec(text);
    const slots = m?.[3]?.split(',').map((s) => s.trim()) ?? [];
    // Only $1..$k, each once and in order: then row r's values are simply the next k.
    const inOrder = slots.length > 0 && slots.every((s, i) => s === `$${i + 1}`);
    shape = m && inOrder ? { head: `INSERT INTO ${m[1]} (${m[2]}) VALUES `, width: slots.length } : null;
    if (shapes.size > 1000) shapes.clear();
    shapes.set(text, shape);
  }
  return shape;
}

function rowsText(shape: Shape, rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    const slots: string[] = [];
    for (let c = 1; c <= shape.width; c += 1) slots.push(`$${r * shape.width + c}`);
    tuples.push(`(${slots.join(', ')})`);
  }
  return shape.head + tuples.join(', ');
}

export interface Coalesced {
  statements: RowStatement[];
  /** For each statement given: the index of the one it travels in. */
  carrier: number[];
  /** For each statement sent: how many rows it joins (1 for one left as it was). */
  rows: number[];
}

/** Joins runs of the same plain insert among the first `mergeable` statements (the queued ones). */
export function coalesceInserts(given: RowStatement[], mergeable: number): Coalesced {
  const out: Coalesced = { statements: [], carrier: [], rows: [] };
  let i = 0;
  while (i < given.length) {
    const first = given[i] as RowStatement;
    const shape = i < mergeable && first.values ? shapeOf(first.text) : null;
    let end = i + 1;
    if (shape)
      while (end < mergeable && end - i < MAX_ROWS && given[end]?.text === first.text && given[end]?.values)
        end += 1;
    const at = out.statements.length;
    if (end - i === 1) out.statements.push(first);
    else
      out.statements.push({
        text: rowsText(shape as Shape, end - i),
        values: given.slice(i, end).flatMap((s) => s.values ?? []),
        prepared: first.prepared,
      });
    out.rows.push(end - i);
    for (let k = i; k < end; k += 1) out.carrier.push(at);
    i = end;
  }
  return out;
}
