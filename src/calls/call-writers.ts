import type { KeyEntry } from '../crypto/keyring';
import type { Ledger } from '../ledger';
import { LocalWriter } from '../ledger/local-writer';
import { InlineWriter, siblingEntry, ThreadWriter, type LedgerWriter } from '../ledger/writer';
import { callWrites, type CallWrites } from './ledger-writes';

/** The service's writer: a thread of its own, so ledger work runs beside the event loop. */
export function threadedCallWriter(
  databasePath: string,
  keys: readonly KeyEntry[],
): LedgerWriter<CallWrites> {
  return new ThreadWriter<CallWrites>(siblingEntry(__dirname, 'ledger-writer-thread'), databasePath, keys);
}

/** Writes on the calling thread: for the CLI's simulation and for tools that own their ledger. */
export function inlineCallWriter(ledger: Ledger): LedgerWriter<CallWrites> {
  return new InlineWriter(ledger, callWrites);
}

/** The service's writer on one core: on the event loop's thread, with the WAL kept as the thread keeps it. */
export function localCallWriter(ledger: Ledger, databasePath: string): LedgerWriter<CallWrites> {
  return new LocalWriter(ledger, callWrites, siblingEntry(__dirname, 'ledger-writer-thread'), databasePath);
}
