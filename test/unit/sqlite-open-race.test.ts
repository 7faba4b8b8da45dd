import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ledgerThreads } from '../support/ledger-worker';

/**
 * Instances started at the same moment on a new SQLite file (a fleet started together, a server
 * and the CLI): each must open it. Switching a new file to WAL while another connection does the
 * same fails at once with SQLITE_BUSY, the busy timeout notwithstanding; before the retry, 100 of
 * 4,500 such opens failed (1,500 rounds of three), so one round proves little and this runs many.
 * On SQLite files in every engine's run: it is about the SQLite driver's opening.
 */
let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-open-race-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('three instances opening each of 60 new ledger files at the same moment all open every one', async () => {
  const files = Array.from({ length: 60 }, (_, i) => path.join(dir, `ledger-${i}.db`));
  const parties = 3;
  const errors = await ledgerThreads(
    '',
    crypto.randomBytes(32),
    Array.from({ length: parties }, () => ({ kind: 'open-each' as const, files, parties })),
  ).go();
  expect(errors).toEqual([[], [], []]);
}, 60_000);
