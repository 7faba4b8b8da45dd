import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { JobRunner } from '../../src/jobs/queue';
import type { Ledger } from '../../src/ledger';
import { createLogger } from '../../src/logger';
import { openTestLedger, testEngine } from '../support/test-database';

const KEYS = new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
const open: Ledger[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-outage-'));
});
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test(`the job runner keeps polling through a pass its ledger failed, and runs work written after the ledger is back without being poked (${testEngine})`, async () => {
  const file = path.join(dir, 'ledger.db');
  const ledger = openTestLedger(file, KEYS);
  // Another process (the CLI, another instance): it writes the job the runner is never poked about.
  const other = openTestLedger(file, KEYS);
  open.push(ledger, other);
  const ran: string[] = [];
  const runner = new JobRunner(
    ledger,
    { work: async (payload) => void ran.push(String(payload.n)) },
    createLogger('silent'),
    { pollMs: 100 },
  );
  // The ledger fails every read and write of the outbox, as while its database is gone.
  other.db.exec('ALTER TABLE jobs RENAME TO jobs_away');
  runner.start();
  try {
    await sleep(400);
    other.db.exec('ALTER TABLE jobs_away RENAME TO jobs');
    other.enqueue('work', { n: 'after the outage' });
    const deadline = Date.now() + 5_000;
    while (ran.length === 0 && Date.now() < deadline) await sleep(50);
    expect(ran).toEqual(['after the outage']);
  } finally {
    await runner.stop();
  }
});
