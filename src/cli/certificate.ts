import { parseArgs } from 'node:util';
import { certificateSigningKey, deletionCertificate } from '../lifecycle/certificate';
import type { Ledger } from '../ledger';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** `consent certificate <consentId> [--json]`: the signed deletion certificate (exit 4: none). */
export function certificateCommand(args: string[], io: Out, ledger: Ledger): number {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  const id = positionals[0];
  if (!id) {
    io.err('usage: consent certificate <consentId> [--json]\n');
    return 2;
  }
  const cert = deletionCertificate(ledger, id, certificateSigningKey(ledger));
  if (!cert) {
    io.err(`no deletion certificate for ${id}: unknown consent, or nothing was deleted for it\n`);
    return 4;
  }
  if (values.json) {
    io.out(`${JSON.stringify(cert)}\n`);
    return 0;
  }
  io.out(
    `${cert.consentId}  ${cert.reason}  ${cert.status}  requested ${cert.requestedAt}  completed ${cert.completedAt ?? '-'}  reference ${cert.reference}\n`,
  );
  for (const i of cert.items)
    io.out(`  ${i.system.padEnd(8)} ${i.action.padEnd(16)} ${i.result}  ${i.object}\n`);
  return 0;
}
