import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger';
import { LocalWriter } from '../../src/ledger/local-writer';
import { InlineWriter, ThreadWriter, type LedgerWriter } from '../../src/ledger/writer';
import { fixtureCommands } from '../support/writer-thread-fixture';
import { openTestLedger, testDatabase } from '../support/test-database';

const keys = [{ id: 'k1', key: Buffer.alloc(32, 3) }];
const entry = path.join(__dirname, '..', 'support', 'writer-thread-fixture.ts');
let dir: string;
let ledger: Ledger;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-'));
  ledger = openTestLedger(path.join(dir, 'ledger.db'), new KeyRing(keys));
});
afterEach(() => {
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const types = (): string[] =>
  ledger.db.prepare('SELECT type FROM events ORDER BY seq').pluck().all() as string[];

describe.each([
  [
    'on its own thread',
    () => new ThreadWriter<typeof fixtureCommands>(entry, testDatabase(path.join(dir, 'ledger.db')), keys),
  ],
  ['inline', () => new InlineWriter(ledger, fixtureCommands)],
  [
    'on the event loop (one core)',
    () => new LocalWriter(ledger, fixtureCommands, entry, path.join(dir, 'ledger.db')),
  ],
])('the ledger writer %s', (_name, make) => {
  test('a write is committed, and readable on another connection, when its promise resolves', async () => {
    const writer = make();
    try {
      expect(await writer.run('note', { type: 'first' })).toBe(1);
      expect(types()).toEqual(['first']);
      expect(ledger.verifyChain().ok).toBe(true);
    } finally {
      await writer.close();
    }
  });

  test('writes sent together share a commit, and one that throws rolls back only itself', async () => {
    const writer = make();
    try {
      const results = await Promise.allSettled([
        writer.run('note', { type: 'a' }),
        writer.run('fail', { type: 'never' }),
        writer.run('note', { type: 'b' }),
      ]);
      expect(results[0]).toMatchObject({ status: 'fulfilled' });
      expect(results[1]).toMatchObject({
        status: 'rejected',
        reason: { name: 'RangeError', message: 'refused by the command' },
      });
      expect(results[2]).toMatchObject({ status: 'fulfilled' });
      expect(types()).toEqual(['a', 'b']);
      expect(ledger.verifyChain().ok).toBe(true);
    } finally {
      await writer.close();
    }
  });
});

describe('the writer thread', () => {
  test('when it dies, the writes it held fail (so webhooks route to a human) and the next write starts a new one', async () => {
    const writer = new ThreadWriter<typeof fixtureCommands>(
      entry,
      testDatabase(path.join(dir, 'ledger.db')),
      keys,
    );
    try {
      await writer.run('note', { type: 'before' });
      await expect(writer.run('crash', undefined as never)).rejects.toThrow(/ledger writer stopped/);
      expect(await writer.run('note', { type: 'after' })).toBe(2);
      expect(types()).toEqual(['before', 'after']);
    } finally {
      await writer.close();
    }
  });

  test('a writer closed right after its first write stops its checkpointer cleanly, every time', async () => {
    // Terminating a checkpointer that is still loading SQLite's native module aborted the whole
    // process on Node 24; now close() asks it to stop and it ends once it has started.
    for (let round = 0; round < 12; round += 1) {
      const writer = new ThreadWriter<typeof fixtureCommands>(
        entry,
        testDatabase(path.join(dir, 'ledger.db')),
        keys,
      );
      const written = writer.run('note', { type: `round ${round}` });
      // Closed at once: the checkpointer is still starting (at nice 19, slow on a busy machine).
      await writer.close();
      expect(await written).toBe(round + 1);
    }
    expect(types()).toHaveLength(12);
    expect(ledger.verifyChain().ok).toBe(true);
  });

  test('after close, a write is refused instead of being lost', async () => {
    const writer = new ThreadWriter<typeof fixtureCommands>(
      entry,
      testDatabase(path.join(dir, 'ledger.db')),
      keys,
    );
    const pending = writer.run('note', { type: 'in flight' });
    await writer.close();
    await expect(pending).resolves.toBe(1);
    await expect(writer.run('note', { type: 'late' })).rejects.toThrow(/closed/);
    expect(types()).toEqual(['in flight']);
  });
});

/** The writers the server uses on a SQLite file: each keeps the WAL short without any commit checkpointing. */
describe.each([
  ['the writer thread', (file: string) => new ThreadWriter<typeof fixtureCommands>(entry, file, keys)],
  ['the local writer', (file: string, l: Ledger) => new LocalWriter(l, fixtureCommands, entry, file)],
] as Array<[string, (file: string, ledger: Ledger) => LedgerWriter<typeof fixtureCommands>]>)(
  '%s on SQLite',
  (_name, make) => {
    let sqliteLedger: Ledger;
    beforeEach(() => {
      sqliteLedger = new Ledger(path.join(dir, 'ledger.db'), new KeyRing(keys));
      // As the server sets it: only the checkpointer copies the WAL into the file.
      sqliteLedger.db.sqlite?.pragma('wal_autocheckpoint = 0');
    });
    afterEach(() => sqliteLedger.close());

    // SQLite's own concern (PostgreSQL checkpoints its WAL itself): always on a SQLite file.
    test('its checkpointer moves committed pages into the SQLite database file, so no commit has to', async () => {
      const file = path.join(dir, 'ledger.db');
      const marker = 'checkpoint-marker-7f3a';
      const inFile = (): boolean => fs.readFileSync(file).includes(marker);
      const writer = make(file, sqliteLedger);
      try {
        await writer.run('note', { type: marker });
        // Committed means in the WAL; only a checkpoint copies it into the file itself.
        const deadline = Date.now() + 5000;
        while (!inFile() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(inFile()).toBe(true);
      } finally {
        await writer.close();
      }
    });

    // The WAL header's checkpoint sequence number (bytes 12-15) goes up each time the WAL starts over.
    test('under writes that never pause, the WAL still starts over (its file is reused, not grown)', async () => {
      const file = path.join(dir, 'ledger.db');
      const restarts = (): number => {
        const header = Buffer.alloc(32);
        const fd = fs.openSync(`${file}-wal`, 'r');
        try {
          fs.readSync(fd, header, 0, 32, 0);
        } finally {
          fs.closeSync(fd);
        }
        return header.readUInt32BE(12);
      };
      const writer = make(file, sqliteLedger);
      try {
        await writer.run('note', { type: 'first' });
        const before = restarts();
        // Fifty webhooks' worth of writes always in flight for 2.5 s: the writer is never idle.
        const until = Date.now() + 2500;
        const client = async (): Promise<void> => {
          while (Date.now() < until) await writer.run('note', { type: 'busy' });
        };
        await Promise.all(Array.from({ length: 50 }, client));
        expect(restarts()).toBeGreaterThan(before);
        expect(sqliteLedger.verifyChain().ok).toBe(true);
      } finally {
        await writer.close();
      }
    });

    test('a writer closed right after its first write stops its checkpointer cleanly', async () => {
      for (let round = 0; round < 6; round += 1) {
        const writer = make(path.join(dir, 'ledger.db'), sqliteLedger);
        const written = writer.run('note', { type: `round ${round}` });
        await writer.close();
        expect(await written).toBe(round + 1);
      }
      expect(sqliteLedger.verifyChain().ok).toBe(true);
    });
  },
);
