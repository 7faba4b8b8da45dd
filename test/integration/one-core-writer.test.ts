import { startGateway, type Gateway } from '../support/gateway';
import { breakEventInserts, repairEventInserts } from '../support/test-database';

/**
 * The server on a machine (or a `taskset`) with one core writes on the event loop's thread
 * (LocalWriter) instead of a writer thread. Everything a caller and an auditor rely on holds the
 * same way: a webhook answers after its write is committed, many calls at once each get their own
 * record, and a ledger that fails sends the caller to a human with the recording stopped.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ HUMAN_AGENT_NUMBER: '+4930111222' }, { writer: 'local' });
});
afterAll(async () => {
  await gw.close();
});

let callers = 0;
const place = () =>
  gw.emulator.placeCall({
    from: `+4915300${String(++callers).padStart(6, '0')}`,
    to: '+4930123456',
    fromCountry: 'DE',
  });

test('a caller who presses 1 is recorded as consenting before they reach the assistant', async () => {
  const call = place();
  await call.start();
  await call.press('1');
  // The webhook answered: its events are committed, and readable on another connection too.
  const report = gw.report(call.callSid);
  expect(report).toMatchObject({ method: 'dtmf' });
  expect(gw.runtime.ledger.consentsForCall(call.callSid).map((c) => c.decision)).toEqual(['granted']);
  expect(report.events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['call_started', 'disclosed', 'answer', 'granted']),
  );
  expect(gw.runtime.ledger.verifyChain().ok).toBe(true);
});

test('forty callers at once each get their own consent, in one unbroken chain', async () => {
  const calls = Array.from({ length: 40 }, place);
  await Promise.all(
    calls.map(async (call, i) => {
      await call.start();
      await call.press(i % 2 === 0 ? '1' : '2');
    }),
  );
  for (const [i, call] of calls.entries()) {
    expect(call.errors).toEqual([]);
    const consents = gw.runtime.ledger.consentsForCall(call.callSid);
    expect(consents).toHaveLength(1);
    expect(consents[0]?.decision).toBe(i % 2 === 0 ? 'granted' : 'declined');
  }
  expect(gw.runtime.ledger.verifyChain().ok).toBe(true);
});

test('when the ledger fails at the answer, the recording stops, a human takes over and no consent exists', async () => {
  const call = place();
  await call.start();
  expect(call.isRecording()).toBe(true);
  breakEventInserts(gw.runtime.ledger.db);
  try {
    await call.press('1');
  } finally {
    repairEventInserts(gw.runtime.ledger.db);
  }
  expect(call.isRecording()).toBe(false);
  expect(call.heard.at(-1)).toMatchObject({ verb: 'Dial', number: '+4930111222', recording: false });
  expect(gw.runtime.ledger.consentsForCall(call.callSid)).toHaveLength(0);
  // The writer goes on: the next caller is recorded as before.
  const next = place();
  await next.start();
  await next.press('1');
  expect(gw.runtime.ledger.consentsForCall(next.callSid)).toHaveLength(1);
});
