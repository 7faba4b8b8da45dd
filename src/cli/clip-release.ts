import { Approvals } from '../audit/approvals';
import type { Config } from '../config';
import type { Ledger } from '../ledger';
import { osUser } from './cli-access';

export type Release =
  { ok: true; approval: number | null; reason: string | undefined } | { ok: false; error: string };

/**
 * The four-eyes rule on the command line: with AUDIT_FOUR_EYES=true, `consent clip` needs the id
 * of an approval (asked for and approved in the portal) that is approved, unexpired and unused
 * for this consent; using it here spends it.
 */
export function releaseForCli(
  ledger: Ledger,
  config: Config,
  consentId: string,
  approval: string | undefined,
): Release {
  if (!config.auditFourEyes) return { ok: true, approval: null, reason: undefined };
  const id = Number(approval);
  if (!approval || !Number.isInteger(id) || id <= 0)
    return {
      ok: false,
      error:
        'AUDIT_FOUR_EYES is on: give --approval <id> of an approval a second auditor granted in the portal',
    };
  const used = new Approvals(ledger).consumeById(id, consentId, `cli:${osUser()}`);
  if (!used)
    return {
      ok: false,
      error: `approval ${id} is not an approved, unexpired, unused approval for consent ${consentId}`,
    };
  return { ok: true, approval: id, reason: used.reason };
}
