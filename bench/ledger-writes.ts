import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callWrites, type AnswerWrite, type NoticeRef } from '../src/calls/ledger-writes';
import { KeyRing } from '../src/crypto/keyring';
import { Ledger } from '../src/ledger';

/**
 * In-process, and labelled so: the voice webhooks' ledger writes replayed on one thread against a
 * SQLite ledger that already holds `prefill` calls, in transactions of `batch` writes (what the
 * writer thread commits at a time under 50 connections). It tells what the voice bench cannot on a
 * shared machine: the writer's own CPU per command, steady to a few per cent, and the WAL pages
 * each command writes. The arguments have the shapes CallService sends (a new caller per call,
 * key 1 as the first answer).
 */

export interface WriteCost {
  command: 'startCall' | 'disclosed' | 'answer';
  cpuUs: number;
  systemUs: number;
  walPages: number;
}

const NOTICE_TEXT = 'Guten Tag. Sie sprechen mit einem KI-Telefonassistenten. '.repeat(60);
const notice: NoticeRef = {
  id: crypto.hash('sha256', NOTICE_TEXT, 'hex'),
  locale: 'de',
  content: NOTICE_TEXT,
  version: crypto.hash('sha256', `version\n${NOTICE_TEXT}`, 'hex'),
};

const startArgs = (callSid: string) => ({
  callSid,
  from: `+49151${crypto.randomInt(1e7, 1e8)}`,
  called: '+493012345678',
  country: 'DE',
  locale: 'de',
  notice,
  stirVerstat: null,
  at: new Date(),
});

const answerArgs = (callSid: string): AnswerWrite => ({
  callSid,
  at: new Date(),
  locale: 'de',
  notice,
  openConsentId: null,
  decision: {
    decision: 'granted',
    method: 'dtmf',
    input: '1',
    confidence: null,
    purposes: { call: true },
    clipStartMs: Date.now() - 5000,
  },
  withdraw: null,
  stirVerstat: null,
  sendPrivacySms: false,
  question: crypto.randomBytes(16).toString('base64url'),
  answer: { via: 'dtmf', intent: 'yes', reason: 'key 1 means yes', confidence: null },
  words: null,
  events: [{ type: 'granted', purpose: 'call', main: true, reason: 'key 1 means yes' }],
  call: { locale: 'de', method: 'dtmf' },
  outbound: { crm: false, receipts: false, handovers: false },
});

const newSids = (n: number): string[] =>
  Array.from({ length: n }, () => `CA${crypto.randomBytes(16).toString('hex')}`);

export function benchLedgerWrites(o: { calls: number; prefill: number; batch: number }): WriteCost[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-writes-'));
  const ledger = new Ledger(
    path.join(dir, 'ledger.db'),
    new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]),
  );
  const sqlite = ledger.db.sqlite;
  if (!sqlite) throw new Error('the write bench runs on SQLite');
  sqlite.pragma('wal_autocheckpoint = 0');
  const run = <A>(command: WriteCost['command'], args: A[]): WriteCost => {
    // Starts the WAL over on a file that keeps its length, as the writer's WAL cycle does.
    sqlite.pragma('wal_checkpoint(RESTART)');
    const write = callWrites[command] as (ledger: Ledger, a: A) => unknown;
    const before = process.cpuUsage();
    for (let i = 0; i < args.length; i += o.batch)
      for (const outcome of ledger.runBatch(args.slice(i, i + o.batch).map((a) => () => write(ledger, a))))
        if (!outcome.ok) throw outcome.error;
    const used = process.cpuUsage(before);
    const [frames] = sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    return {
      command,
      cpuUs: (used.user + used.system) / args.length,
      systemUs: used.system / args.length,
      walPages: (frames?.log ?? 0) / args.length,
    };
  };
  const call = (sids: string[]): WriteCost[] => [
    run('startCall', sids.map(startArgs)),
    run(
      'disclosed',
      sids.map((callSid) => ({ callSid, notice, at: new Date() })),
    ),
    run('answer', sids.map(answerArgs)),
  ];
  try {
    for (let done = 0; done < o.prefill; done += 10_000) call(newSids(Math.min(10_000, o.prefill - done)));
    return call(newSids(o.calls));
  } finally {
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
