import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Which better-sqlite3 this Node can run. 12 aborts Node 24 at random (a Statement collected by
 * the garbage collector removes an environment cleanup hook with no environment current:
 * "Assertion failed: (env) != nullptr", seen in 17 of 63 test files); 13 is rebuilt on Node-API
 * 10 and ships prebuilt binaries, but Node 20 has Node-API 9 and crashes on it. So Node 24, the
 * supported runtime, loads 13 (installed as the alias better-sqlite3-napi) and Node 20 keeps 12,
 * until Node 20 is dropped. Both have the same API; the types are @types/better-sqlite3's.
 * Load the engine through here, never by name.
 */
const NODE_API_OF_13 = 10;

function chooseBinding(): typeof BetterSqlite3 {
  const load = createRequire(__filename);
  const name = Number(process.versions.napi) >= NODE_API_OF_13 ? 'better-sqlite3-napi' : 'better-sqlite3';
  return load(name) as typeof BetterSqlite3;
}

export const SqliteDatabase = chooseBinding();
