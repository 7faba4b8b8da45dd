import type { Ledger } from '../../src/ledger';
import { serveLedgerWriter } from '../../src/ledger/writer';

/** Commands for the writer-thread tests: a real write, a write that throws, and a thread that dies. */
export const fixtureCommands = {
  note: (ledger: Ledger, a: { type: string }): number => {
    ledger.append([{ type: a.type, at: new Date() }]);
    return ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
  },
  fail: (ledger: Ledger, a: { type: string }): never => {
    ledger.append([{ type: a.type, at: new Date() }]);
    throw new RangeError('refused by the command');
  },
  crash: (): never => process.exit(3),
};

serveLedgerWriter(fixtureCommands);
