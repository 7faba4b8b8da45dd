import { serveLedgerWriter } from '../ledger/writer';
import { callWrites } from './ledger-writes';

// Entry of the ledger writer thread (see ThreadWriter): it runs the voice webhooks' writes.
serveLedgerWriter(callWrites);
