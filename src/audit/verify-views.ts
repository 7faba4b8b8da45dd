import type { Lang } from './html';
import { escapeHtml as e } from './html';
import { pemFileName, type LoadedKey } from './trusted-keys';
import type { UploadRefusal, VerifyReport } from './verify-upload';

const TEXT = {
  en: {
    title: 'Verify evidence',
    intro:
      'Check an evidence export (the ZIP from the portal) or a deletion certificate (its JSON) against this operator’s published keys. Nothing you upload is stored or logged; you need no account.',
    file: 'Evidence ZIP or deletion certificate (JSON)',
    fileHelp: (mb: number) => `One file, up to ${mb} MB, exactly as it was downloaded.`,
    submit: 'Check the file',
    resultValid: 'Valid: every check passed.',
    resultEvidenceValid: (id: string) =>
      `Valid: the evidence of consent ${id} is intact and signed by this operator.`,
    resultCertificateValid: (id: string) =>
      `Valid: the deletion certificate of consent ${id} is signed by this operator and unchanged.`,
    resultInvalid: 'NOT valid: at least one check failed. Do not rely on this file.',
    refused: 'Nothing was checked.',
    check: 'Check',
    outcome: 'Result',
    meaning: 'What was found',
    pass: '✓ passed',
    fail: '✗ failed',
    skip: '– not applicable',
    fingerprint: 'Key fingerprint (SHA-256)',
    keysTitle: 'The operator’s public keys',
    keysIntro:
      'These keys verify what this service signs. Compare each fingerprint with the one the operator gave you through another channel (letter, phone, their website) before you rely on a result. To check a file offline, download the keys and follow the steps in the README.',
    use: 'Use',
    keyId: 'Key',
    state: 'State',
    active: 'signs now',
    retired: 'retired: verifies only',
    download: 'Download',
    allKeys: 'All keys in one file (keys.pem)',
    deleted: 'What the certificate says was deleted',
    system: 'System',
    object: 'Object',
    action: 'Action',
    at: 'When',
    signIn: 'Portal sign-in',
    names: {
      files: 'Contents',
      manifest: 'File hashes (manifest.json)',
      signature: 'Signature of the manifest',
      checkpoint: 'Signed log checkpoint',
      inclusion: 'Log entries in the checkpoint',
      history: 'Checkpoint in this server’s log',
      chain: 'Hash chain of the call',
      record: 'Consent record',
      notice: 'Notice the caller heard',
      clip: 'Recording',
      format: 'Deletion certificate',
      key: 'Signing key',
      'certificate-signature': 'Signature of the certificate',
      complete: 'Deletions done',
    },
  },
  de: {
    title: 'Nachweis prüfen',
    intro:
      'Prüfen Sie einen Nachweis-Export (das ZIP aus dem Portal) oder ein Löschzertifikat (sein JSON) mit den veröffentlichten Schlüsseln dieses Betreibers. Hochgeladenes wird weder gespeichert noch protokolliert; ein Konto ist nicht nötig.',
    file: 'Nachweis-ZIP oder Löschzertifikat (JSON)',
    fileHelp: (mb: number) => `Eine Datei, höchstens ${mb} MB, unverändert wie heruntergeladen.`,
    submit: 'Datei prüfen',
    resultValid: 'Gültig: alle Prüfungen bestanden.',
    resultEvidenceValid: (id: string) =>
      `Gültig: der Nachweis der Einwilligung ${id} ist unversehrt und von diesem Betreiber signiert.`,
    resultCertificateValid: (id: string) =>
      `Gültig: das Löschzertifikat der Einwilligung ${id} ist von diesem Betreiber signiert und unverändert.`,
    resultInvalid:
      'NICHT gültig: mindestens eine Prüfung schlug fehl. Verlassen Sie sich nicht auf diese Datei.',
    refused: 'Es wurde nichts geprüft.',
    check: 'Prüfung',
    outcome: 'Ergebnis',
    meaning: 'Befund',
    pass: '✓ bestanden',
    fail: '✗ fehlgeschlagen',
    skip: '– entfällt',
    fingerprint: 'Fingerabdruck des Schlüssels (SHA-256)',
    keysTitle: 'Die öffentlichen Schlüssel des Betreibers',
    keysIntro:
      'Diese Schlüssel prüfen, was dieser Dienst signiert. Vergleichen Sie jeden Fingerabdruck mit dem, den der Betreiber Ihnen auf anderem Weg (Brief, Telefon, Website) genannt hat, bevor Sie sich auf ein Ergebnis verlassen. Zum Prüfen ohne diesen Dienst die Schlüssel herunterladen und den Schritten in der README folgen.',
    use: 'Zweck',
    keyId: 'Schlüssel',
    state: 'Stand',
    active: 'signiert derzeit',
    retired: 'außer Dienst: prüft nur',
    download: 'Herunterladen',
    allKeys: 'Alle Schlüssel in einer Datei (keys.pem)',
    deleted: 'Was laut Zertifikat gelöscht wurde',
    system: 'System',
    object: 'Objekt',
    action: 'Vorgang',
    at: 'Wann',
    signIn: 'Anmeldung zum Portal',
    names: {
      files: 'Inhalt',
      manifest: 'Prüfsummen der Dateien (manifest.json)',
      signature: 'Signatur des Manifests',
      checkpoint: 'Signierter Log-Checkpoint',
      inclusion: 'Log-Einträge im Checkpoint',
      history: 'Checkpoint im Log dieses Servers',
      chain: 'Hash-Kette des Anrufs',
      record: 'Einwilligungsdatensatz',
      notice: 'Gehörter Hinweis',
      clip: 'Aufnahme',
      format: 'Löschzertifikat',
      key: 'Signaturschlüssel',
      'certificate-signature': 'Signatur des Zertifikats',
      complete: 'Löschungen erledigt',
    },
  },
} as const;

export const verifyTitle = (lang: Lang): string => TEXT[lang].title;

function resultHtml(lang: Lang, r: VerifyReport | UploadRefusal): string {
  const t = TEXT[lang];
  if (r.kind === 'refused')
    return `<section aria-labelledby="result"><h2 id="result">${e(t.refused)}</h2><p class="error" role="alert" id="verify-refused">${e(r.message)}</p></section>`;
  const headline = !r.valid
    ? t.resultInvalid
    : r.consentId
      ? r.kind === 'evidence'
        ? t.resultEvidenceValid(r.consentId)
        : t.resultCertificateValid(r.consentId)
      : t.resultValid;
  const rows = r.checks
    .map(
      (c) =>
        `<tr data-check="${e(c.id)}" data-status="${c.status}"><th scope="row">${e(t.names[c.id])}</th><td class="${c.status === 'fail' ? 'error' : c.status === 'pass' ? 'ok' : ''}">${t[c.status]}</td><td>${e(c.detail)}${
          c.key
            ? `<br><span>${e(t.fingerprint)} ${e(c.key.keyId)}: <code>${e(c.key.fingerprint)}</code></span>`
            : ''
        }</td></tr>`,
    )
    .join('');
  const items =
    r.kind === 'certificate' && r.valid && r.items.length
      ? `<h3>${e(t.deleted)}</h3><table><thead><tr><th scope="col">${t.system}</th><th scope="col">${t.object}</th><th scope="col">${t.action}</th><th scope="col">${t.outcome}</th><th scope="col">${t.at}</th></tr></thead><tbody>${r.items
          .map(
            (i) =>
              `<tr><td>${e(i.system)}</td><td><code>${e(i.object)}</code></td><td>${e(i.action)}</td><td>${e(i.result)}</td><td>${e(i.at ?? '—')}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '';
  return `<section aria-labelledby="result"><h2 id="result">${e(t.outcome)}</h2>
<p id="verdict" role="status" class="${r.valid ? 'ok' : 'error'}">${e(headline)}</p>
<table id="checks"><caption class="skip">${e(t.outcome)}</caption><thead><tr><th scope="col">${t.check}</th><th scope="col">${t.outcome}</th><th scope="col">${t.meaning}</th></tr></thead><tbody>${rows}</tbody></table>${items}</section>`;
}

function keysHtml(lang: Lang, keys: LoadedKey[]): string {
  const t = TEXT[lang];
  const rows = keys
    .map(
      (k) =>
        `<tr><td>${e(k.use)}</td><td>${e(k.keyId)}</td><td>${k.active ? t.active : t.retired}</td><td><code>${e(k.fingerprint)}</code></td><td><a href="/audit/verify/keys/${e(pemFileName(k.keyId))}" download>${e(`${pemFileName(k.keyId)}`)}</a></td></tr>`,
    )
    .join('');
  return `<section aria-labelledby="keys"><h2 id="keys">${e(t.keysTitle)}</h2><p>${e(t.keysIntro)}</p>
<table id="public-keys"><thead><tr><th scope="col">${t.use}</th><th scope="col">${t.keyId}</th><th scope="col">${t.state}</th><th scope="col">${t.fingerprint}</th><th scope="col">${t.download}</th></tr></thead><tbody>${rows}</tbody></table>
<p><a id="all-keys" href="/audit/verify/keys.pem" download>${e(t.allKeys)}</a></p></section>`;
}

/** The public verify page: the upload form, the result of the last upload, and the keys. */
export function verifyPage(
  lang: Lang,
  keys: LoadedKey[],
  maxBytes: number,
  result: VerifyReport | UploadRefusal | null,
): string {
  const t = TEXT[lang];
  return `<p>${e(t.intro)}</p>
<form method="post" action="/audit/verify" enctype="multipart/form-data" id="verify-form">
<label for="file">${e(t.file)}</label>
<input id="file" name="file" type="file" required accept=".zip,.json,application/zip,application/json" aria-describedby="file-help">
<p id="file-help">${e(t.fileHelp(Math.round(maxBytes / 1024 / 1024)))}</p>
<button type="submit">${e(t.submit)}</button></form>
${result ? resultHtml(lang, result) : ''}
${keysHtml(lang, keys)}
<p><a href="/audit/login">${e(t.signIn)}</a></p>`;
}
