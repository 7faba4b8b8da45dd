import { benchLedgerWrites } from '../../bench/ledger-writes';

// The in-process write bench (BENCH_PARTS=writes) runs the real commands: a failing one fails it.
test('the write bench replays new calls, disclosures and first answers, and reports CPU and WAL pages for each', () => {
  const costs = benchLedgerWrites({ calls: 200, prefill: 0, batch: 20 });
  expect(costs.map((c) => c.command)).toEqual(['startCall', 'disclosed', 'answer']);
  for (const c of costs) {
    expect(c.cpuUs).toBeGreaterThan(0);
    // Every command writes rows: at least part of a page each, shared within a transaction.
    expect(c.walPages).toBeGreaterThan(0.05);
  }
});
