import type { Ledger } from '../ledger';
import type { AttestationLevel } from '../ledger/withdrawal-evidence';

export interface UnattestedWithdrawal {
  at: string;
  callSid: string;
  attestation: AttestationLevel;
  consents: string[];
}

/**
 * Key-0 withdrawals whose caller ID the network did not fully attest (anything but SHAKEN/STIR
 * level A): the number may have been spoofed, so staff contact the customer. IDs and times only.
 */
export function unattestedWithdrawals(ledger: Ledger, limit = 200): UnattestedWithdrawal[] {
  const rows = ledger
    .sql(
      `SELECT at, call_sid, json_extract(data, '$.attestation.level') AS level, json_extract(data, '$.consents') AS consents
       FROM events WHERE type = 'withdrawn' AND json_extract(data, '$.fromCall') IS NOT NULL
         AND COALESCE(json_extract(data, '$.attestation.level'), 'none') != 'A'
         AND json_array_length(json_extract(data, '$.consents')) > 0
       ORDER BY seq DESC LIMIT ?`,
    )
    .all(limit) as Array<{ at: string; call_sid: string; level: AttestationLevel | null; consents: string }>;
  return rows.map((r) => ({
    at: r.at,
    callSid: r.call_sid,
    attestation: r.level ?? 'none',
    consents: JSON.parse(r.consents) as string[],
  }));
}
