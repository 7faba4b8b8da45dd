import { limitPostgresRoundTrips, SERVING_ANSWER_MS } from '../ledger/postgres/sync-client';
import { serveLedgerWriter } from '../ledger/writer';
import { callWrites } from './ledger-writes';

// Entry of the ledger writer thread (see ThreadWriter): it runs the voice webhooks' writes, each
// of which a webhook waits for (see SERVING_ANSWER_MS).
limitPostgresRoundTrips(SERVING_ANSWER_MS);
serveLedgerWriter(callWrites);
