import { hashPassword, passwordWork, verifyPassword } from '../../src/audit/passwords';
import { SlidingWindowLimiter } from '../../src/audit/rate-limit';
import { BusyError, WorkLimit } from '../../src/audit/work-limit';

describe('the per-address sign-in limiter', () => {
  test('When an address has used up its window, then it is refused until the window has passed', () => {
    const limiter = new SlidingWindowLimiter(3, 60_000);
    expect([0, 1, 2, 3].map((i) => limiter.hit('a', i * 1000))).toEqual([true, true, true, false]);
    expect(limiter.hit('a', 61_500)).toBe(true);
  });

  test('When addresses stop trying, then they are pruned once their window has passed', () => {
    const limiter = new SlidingWindowLimiter(3, 60_000);
    for (let i = 0; i < 1000; i++) limiter.hit(`198.51.100.${i}`, i);
    expect(limiter.size).toBe(1000);
    limiter.hit('another', 200_000);
    expect(limiter.size).toBe(1);
  });

  test('When a flood of made-up addresses arrives within one window, then the map stays under its cap', () => {
    const limiter = new SlidingWindowLimiter(3, 60_000, 500);
    for (let i = 0; i < 5000; i++) limiter.hit(`203.0.${i >> 8}.${i & 255}`, 1000);
    expect(limiter.size).toBe(500);
  });
});

describe('the scrypt gate', () => {
  test('When eight passwords are checked at once, then at most two scrypt run at the same time and all answer', async () => {
    const stored = await hashPassword('correct horse battery');
    passwordWork.highWater = 0;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        verifyPassword(i === 0 ? 'correct horse battery' : 'wrong', stored),
      ),
    );
    expect(results).toEqual([true, false, false, false, false, false, false, false]);
    expect(passwordWork.highWater).toBe(2);
  });

  test('When more work waits than the queue holds, then the extra is refused as busy at once', async () => {
    const gate = new WorkLimit(1, 2);
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const running = [gate.run(() => held), gate.run(() => held), gate.run(() => held)];
    await expect(gate.run(() => held)).rejects.toBeInstanceOf(BusyError);
    release();
    await Promise.all(running);
    await expect(gate.run(async () => 'free again')).resolves.toBe('free again');
  });
});
