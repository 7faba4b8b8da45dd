import { checkEvidence, type EvidenceReport, type LogView } from './evidence-check';
import { loadKeys, type TrustedKey } from './trusted-keys';
import { readZipFiles } from './zip-read';

export { readZipFiles as readZip } from './zip-read';

/** The short verdict of an evidence ZIP: what failed, in the checks' words. */
export interface ExportVerdict {
  ok: boolean;
  problems: string[];
  files: string[];
  consentId: string | null;
  report: EvidenceReport;
}

/**
 * Verifies an evidence ZIP with the operator's published keys (never a key from inside the ZIP:
 * a forger would replace both). Offline, without this code: `scripts/verify-evidence.mjs` and the
 * openssl steps in the README. A ZIP that cannot be read throws a ZipReadError.
 */
export async function verifyEvidenceZip(
  zip: Buffer,
  trusted: readonly TrustedKey[],
  log?: LogView,
): Promise<ExportVerdict> {
  const report = checkEvidence(await readZipFiles(zip), loadKeys(trusted), log);
  return {
    ok: report.valid,
    problems: report.checks.filter((c) => c.status === 'fail').map((c) => c.detail),
    files: report.files,
    consentId: report.consentId,
    report,
  };
}
