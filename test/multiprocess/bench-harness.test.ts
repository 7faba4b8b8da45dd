import { benchVoice } from '../../bench/voice';

/**
 * `npm run bench` end to end with tiny rounds: the service, the baseline and the load generator
 * in their own processes. It asserts that the numbers are measurements of real webhooks (every
 * request answered 2xx, every gather action a first answer written to the ledger), not speed.
 */
test('the voice bench measures both routes against bare Express with every request a real signed webhook', async () => {
  const lines: string[] = [];
  const result = await benchVoice({
    seconds: 1,
    rounds: 2,
    connections: 8,
    routes: ['incoming', 'answer'],
    log: (line) => lines.push(line),
  });

  expect(result.routes.map((r) => r.route)).toEqual(['incoming', 'answer']);
  for (const route of result.routes) {
    expect(route.rounds).toHaveLength(2);
    for (const round of route.rounds)
      for (const side of [round.baseline, round.service]) {
        expect(side.requests).toBeGreaterThan(0);
        expect(side.rps).toBeGreaterThan(0);
        expect(side.p99).toBeGreaterThanOrEqual(side.p50);
        expect(side.non2xx).toBe(0);
        expect(side.errors).toBe(0);
        expect(side.exhausted).toBe(0);
      }
    expect(route.throughputRatio).toBeGreaterThan(0);
    expect(Number.isFinite(route.p99Ratio)).toBe(true);
  }
  // Every gather action sent to the service was the first answer of a call of its own: a consent
  // written per request (warm-up included), no fail-safe, and a call per /voice/incoming.
  const answered = result.routes[1]!.rounds.reduce((n, r) => n + r.service.requests, 0);
  const incoming = result.routes[0]!.rounds.reduce((n, r) => n + r.service.requests, 0);
  expect(result.ledger.failSafes).toBe(0);
  expect(result.ledger.answers).toBeGreaterThanOrEqual(answered);
  expect(result.ledger.consents).toBe(result.ledger.answers);
  expect(result.ledger.calls).toBeGreaterThanOrEqual(incoming + result.ledger.answers);
  // Every round is printed, each with both sides and the ratios.
  expect(lines.filter((l) => / round \d: bare \d+ req\/s .* \| service \d+ req\/s .*×/.test(l))).toHaveLength(
    4,
  );
}, 180_000);
