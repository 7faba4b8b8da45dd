import { checkCertificate, type CertificateReport } from './certificate-check';
import { checkEvidence, type EvidenceReport, type LogView } from './evidence-check';
import type { LoadedKey } from './trusted-keys';
import { readZipFiles, ZipReadError } from './zip-read';

/** Larger than any evidence export (a consent clip lasts seconds), small enough to hold in memory. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export type VerifyReport = EvidenceReport | CertificateReport;

/** An upload that is not something we can check: said plainly, nothing else happens. */
export interface UploadRefusal {
  kind: 'refused';
  message: string;
}

const isZip = (b: Buffer): boolean => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;

/**
 * What a dropped file is and whether it holds: an evidence ZIP (from the portal or
 * `consent export`) or a deletion certificate (JSON). Never throws on what a stranger uploads.
 */
export async function verifyUpload(
  file: Buffer,
  keys: LoadedKey[],
  log?: LogView,
): Promise<VerifyReport | UploadRefusal> {
  if (file.length === 0) return { kind: 'refused', message: 'The file is empty.' };
  if (isZip(file)) {
    try {
      return checkEvidence(await readZipFiles(file), keys, log);
    } catch (error) {
      if (error instanceof ZipReadError)
        return { kind: 'refused', message: `This ZIP cannot be checked: ${error.message}.` };
      throw error;
    }
  }
  const text = file.toString('utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      kind: 'refused',
      message:
        'This file is neither an evidence export (a ZIP) nor a deletion certificate (JSON). Upload the ZIP exactly as it was downloaded, or the certificate’s JSON.',
    };
  }
  return checkCertificate(json, keys);
}
