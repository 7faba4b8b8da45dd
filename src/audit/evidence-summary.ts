import crypto from 'node:crypto';
import type { ConsentDetail } from './consents';
import { escapeHtml as e } from './html';
import { noticeLabel, parseNotice, type NoticeTexts } from './notice-layers';
import { timelineEntries } from './timeline-words';

/**
 * summary.html of the evidence ZIP: a one-page certificate an auditor can print and read without
 * any tool: what the caller heard, what they answered and when (UTC, as every export), the clip's
 * two hashes, and what was verified. The machine-readable truth stays in the other files.
 */
export interface SummaryInput {
  d: ConsentDetail;
  exportedBy: string;
  exportedAt: string;
  jurisdiction: string;
  controller: string;
  publicKeyPem: string;
  /** Today's locale texts: purpose names, and the words of recorded prompts. */
  texts?: NoticeTexts;
}

const utc = (iso: string | null): string =>
  iso ? `<time datetime="${e(iso)}">${e(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''))} UTC</time>` : '—';

/** SHA-256 over the key's DER encoding, the fingerprint `openssl pkey -pubin -outform DER | sha256sum` prints. */
export function keyFingerprint(pem: string): string {
  try {
    const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return crypto.createHash('sha256').update(der).digest('hex');
  } catch {
    return '—';
  }
}

const CSS = `body{font:11pt/1.4 Georgia,serif;max-width:48rem;margin:1.5rem auto;color:#111}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1rem 0 .3rem;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left;vertical-align:top}
th{width:32%}code{font-size:.85em;overflow-wrap:anywhere}.heard{margin:.1rem 0 .5rem}.ok{color:#060}.bad{color:#a00}
@media print{body{margin:0;font-size:10pt}a{color:inherit}}`;

export function summaryHtml(input: SummaryInput): string {
  const { d } = input;
  const c = d.consent;
  const purposeName = (id: string): string => input.texts?.purposeName('en', id) ?? id;
  const rows = (pairs: Array<[string, string]>): string =>
    `<table>${pairs.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${v}</td></tr>`).join('')}</table>`;

  const notice = d.notice
    ? parseNotice(d.notice.content, d.notice.locale, (lng, key, purpose) =>
        input.texts ? input.texts.text(lng, key, purpose, d.call?.country ?? null) : null,
      )
    : null;
  const heard = notice
    ? `<ol>${notice.layers
        .map(
          (l) =>
            `<li><strong>${e(noticeLabel('en', l, (id) => input.texts?.purposeName(notice.locale, id) ?? id))}</strong>${
              l.text ? `<p class="heard" lang="${e(notice.locale)}">${e(l.text)}</p>` : ''
            }${l.audio ? `<p>Recorded prompt, SHA-256 <code>${e(l.audio.sha256)}</code></p>` : ''}</li>`,
        )
        .join(
          '',
        )}</ol><p>Notice version (SHA-256 of its content): <code>${e(c.noticeId)}</code>, language ${e(notice.locale)}.</p>`
    : '<p>No notice is recorded for this consent.</p>';

  const steps = timelineEntries(d.timeline, { lang: 'en', purposeName }).filter(
    (x) => x.kind === 'decision' || x.kind === 'answer' || x.kind === 'notice' || x.kind === 'handover',
  );
  const answered = `<table><thead><tr><th scope="col">When (UTC)</th><th scope="col">What happened</th></tr></thead><tbody>${steps
    .map(
      (x) =>
        `<tr><td>${utc(x.at)}</td><td>${e(x.text)}${x.why ? `<br><small>Why: ${e(x.why)}</small>` : ''}</td></tr>`,
    )
    .join('')}</tbody></table>`;

  const purposes = Object.entries(c.purposes)
    .map(([id, granted]) => `${e(purposeName(id))}: <strong>${granted ? 'granted' : 'refused'}</strong>`)
    .join('<br>');
  const chainOk = d.chain.ok && d.chain.callEventsLinked;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Consent certificate ${e(c.id)}</title><style>${CSS}</style></head><body>
<h1>Consent certificate</h1>
<p>Consent <strong>${e(c.id)}</strong> was ${c.decision === 'granted' ? 'given' : 'refused'} by telephone (${
    c.method === 'dtmf' ? 'keypad' : 'speech'
  }) on ${utc(c.createdAt)}, in call <code>${e(c.callSid)}</code>. Controller: ${e(input.controller)}.</p>
${rows([
  ['Consent ID', e(c.id)],
  ['Decision', e(c.decision)],
  ['Purposes', purposes || '—'],
  ['Status today', c.withdrawnAt ? `${e(c.status)} since ${utc(c.withdrawnAt)}` : e(c.status)],
  ['Language', e(c.language)],
  ['Jurisdiction', e(input.jurisdiction)],
])}
<h2>What the caller heard</h2>${heard}
<h2>What the caller answered, and when</h2>${answered}
<h2>The recording of the consent</h2>${
    d.clip && (d.clip.cipher_sha256 || d.clip.plain_sha256)
      ? rows([
          ['Status', e(d.clip.status)],
          [
            'SHA-256 of the audio file (clip in this ZIP, decrypted)',
            `<code>${e(d.clip.plain_sha256 ?? '—')}</code>`,
          ],
          [
            'SHA-256 of the stored ciphertext (encrypted object in the bucket)',
            `<code>${e(d.clip.cipher_sha256 ?? '—')}</code>`,
          ],
          ['Stored', utc(d.clip.stored_at)],
        ])
      : `<p>No recording is kept for this consent${d.clip ? ` (status: ${e(d.clip.status)})` : ''}.</p>`
  }
<h2>Verification</h2>${rows([
    [
      'Ledger entries of this consent',
      `<span class="${chainOk ? 'ok' : 'bad'}">${chainOk ? 'verified' : 'NOT verified'}</span>: ${e(d.chain.detail)}`,
    ],
    [
      'Signature of this bundle',
      'Ed25519 over the SHA-256 of manifest.json (signature.json); manifest.json lists the SHA-256 of every file, this one included',
    ],
    [
      'Public key fingerprint (SHA-256 of the DER key)',
      `<code>${e(keyFingerprint(input.publicKeyPem))}</code>`,
    ],
    ['Exported', `${utc(input.exportedAt)} by ${e(input.exportedBy)}`],
  ])}
<p><small>To check this bundle without the portal, follow “Verifying an evidence export offline” in the project README (Node and openssl).</small></p>
</body></html>`;
}
