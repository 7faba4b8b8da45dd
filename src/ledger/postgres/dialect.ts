/**
 * The one place SQLite spellings become PostgreSQL: `?` and `@name` placeholders become `$n`, and
 * `INSERT OR IGNORE` becomes `ON CONFLICT DO NOTHING`. Quoted strings, quoted names and comments
 * are left as they are. Everything else the domain code writes is portable SQL already.
 */
export interface Translated {
  text: string;
  /** For each `$n`: the index of a positional parameter, or the name of a named one. */
  order: Array<number | string>;
}

export function translate(sql: string): Translated {
  const order: Array<number | string> = [];
  const named = new Map<string, number>();
  let positional = 0;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"') {
      const end = closing(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      order.push(positional++);
      out += `$${order.length}`;
      i += 1;
    } else if (ch === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] as string;
      let n = named.get(name);
      if (n === undefined) {
        order.push(name);
        n = order.length;
        named.set(name, n);
      }
      out += `$${n}`;
      i += 1 + name.length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return { text: rewriteInsertOrIgnore(out), order };
}

function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

function rewriteInsertOrIgnore(sql: string): string {
  if (!/^\s*INSERT\s+OR\s+IGNORE\b/i.test(sql)) return sql;
  return `${sql.replace(/^\s*INSERT\s+OR\s+IGNORE\b/i, 'INSERT')} ON CONFLICT DO NOTHING`;
}

/** The values for `$1..$n` from better-sqlite3-style arguments: positionals, and one object of named ones. */
export function bind(order: Array<number | string>, params: unknown[]): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | null = null;
  for (const p of params) {
    if (p !== null && typeof p === 'object' && !Buffer.isBuffer(p) && !(p instanceof Uint8Array))
      named = p as Record<string, unknown>;
    else positional.push(p);
  }
  return order.map((key) => {
    if (typeof key === 'number') {
      if (key >= positional.length) throw new RangeError('Too few parameter values were provided');
      return positional[key];
    }
    if (!named || !(key in named)) throw new RangeError(`Missing named parameter "${key}"`);
    return named[key];
  });
}
