import { hashPassword, passwordWork, verifyPassword } from '../../src/audit/passwords';
import { BusyError, WorkLimit } from '../../src/audit/work-limit';

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
