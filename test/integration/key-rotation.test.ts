import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticator } from 'otplib';
import { searchConsents } from '../../src/audit/consents';
import { UserStore } from '../../src/audit/users';
import { rotateKeys } from '../../src/cli/rotate';
import { parseKeyRing } from '../../src/config';
import { KeyRing } from '../../src/crypto/keyring';
import { readClip } from '../../src/jobs/handlers';
import { KEYS, startGateway } from '../support/gateway';
import { openTestLedger } from '../support/test-database';

const FROM = '+4915100000401';

test('after consent keys rotate and dropping the old key, portal logins, clips and caller look-ups all still work', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-all-'));
  try {
    // Under k1: a portal user, a caller, a stored clip.
    const before = await startGateway({}, { dir });
    const { otpauth } = await new UserStore(before.runtime.ledger).add(
      'dpo@example.com',
      'auditor',
      'a long passphrase 1',
    );
    const secret = new URL(otpauth).searchParams.get('secret') as string;
    const call = before.emulator.placeCall({
      from: FROM,
      to: '+4930123456',
      fromCountry: 'DE',
      recordingSeconds: 30,
    });
    await call.start();
    for (const d of ['1', '1', '1']) await call.press(d);
    await before.emulator.settle();
    await before.runJobs();
    await before.runJobs();
    const consentId = before.report(call.callSid).consentId as string;
    const audio = (await readClip(before.runtime.ledger, before.runtime.store, consentId))?.audio;
    expect(audio?.length).toBeGreaterThan(0);
    await before.close();

    const k2 = `k2:${crypto.randomBytes(32).toString('base64')}`;
    const both = openTestLedger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(`${k2},${KEYS}`)));
    const result = rotateKeys(both);
    both.close();
    expect(result.stillNeeded).toEqual([]);
    expect(Object.keys(result.byColumn)).toEqual(
      expect.arrayContaining([
        'clips.wrapped_key',
        'subject_keys.wrapped_key',
        'secrets.wrapped_key',
        'users.totp_enc',
      ]),
    );

    // Only k2 from now on.
    const after = await startGateway({ CONSENT_KEYS: k2 }, { dir });
    try {
      const login = await new UserStore(after.runtime.ledger).login(
        'dpo@example.com',
        'a long passphrase 1',
        authenticator.generate(secret),
      );
      expect(login.ok).toBe(true);
      const clip = await readClip(after.runtime.ledger, after.runtime.store, consentId);
      expect(clip?.audio.equals(audio as Buffer)).toBe(true);
      const found = searchConsents(after.runtime.ledger, { number: FROM, page: 1 });
      expect(found.rows.map((r) => r.id)).toEqual([consentId]);
      const row = after.runtime.ledger.getCall(call.callSid);
      expect(row && after.runtime.ledger.callerNumber(row)).toBe(FROM);
    } finally {
      await after.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
