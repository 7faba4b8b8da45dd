import type { DeletionCertificate } from '../lifecycle/certificate';
import type { AccessReport } from './access';
import type { Art13Item } from './art13';
import type { PrivacyTexts } from './texts';

export const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export interface View {
  texts: PrivacyTexts;
  lng: string;
  company: string;
  /** The current path (without query), for the language links. */
  path: string;
}

const STYLE = `
body{font:1.05rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:38rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25}
h2{font-size:1.25rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .2rem}
label{display:block;font-weight:600;margin-top:1rem}
input[type=tel],input[type=text]{font-size:1.2rem;padding:.6rem;width:100%;box-sizing:border-box;border:2px solid #555;border-radius:.3rem}
input:focus,button:focus,a:focus{outline:3px solid #0b57d0;outline-offset:2px}
fieldset{border:1px solid #888;border-radius:.3rem;margin-top:1rem}
fieldset label{font-weight:400;margin-top:.4rem}
button{font-size:1.1rem;padding:.7rem 1.2rem;margin:1rem .5rem 0 0;border-radius:.3rem;border:2px solid #0b57d0;background:#0b57d0;color:#fff}
button.secondary{background:#fff;color:#0b57d0}
.hint{color:#444;font-size:.95rem}
.error{color:#a00000;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ccc;text-align:left;padding:.4rem;vertical-align:top}
nav.lang{font-size:.9rem;margin-bottom:1rem}
`;

export function page(v: View, title: string, body: string): string {
  const langs = v.texts.locales
    .map((l) =>
      l === v.lng
        ? `<strong lang="${esc(l)}">${esc(v.texts.name(l))}</strong>`
        : `<a href="${esc(v.path)}?lng=${esc(l)}" lang="${esc(l)}" hreflang="${esc(l)}">${esc(v.texts.name(l))}</a>`,
    )
    .join(' · ');
  return `<!doctype html>
<html lang="${esc(v.lng)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} – ${esc(v.company)}</title><style>${STYLE}</style></head>
<body><main>
<nav class="lang" aria-label="${esc(v.texts.t(v.lng, 'language'))}">${langs}</nav>
<h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

export function homePage(v: View, art13: Art13Item[] = []): string {
  const t = (k: string): string => v.texts.t(v.lng, k);
  const para = (p: Art13Item['paragraphs'][number]): string =>
    `<p${p.lng === v.lng ? '' : ` lang="${esc(p.lng)}"`}>${esc(p.text)}</p>`;
  const info = art13.length
    ? `<section aria-labelledby="art13"><h2 id="art13">${esc(t('art13.title'))}</h2>
${art13.map((i) => `<h3 id="art13-${esc(i.heading)}">${esc(t(`art13.${i.heading}`))}</h3>\n${i.paragraphs.map(para).join('\n')}`).join('\n')}
</section>`
    : '';
  return page(
    v,
    t('title'),
    `<p>${esc(t('intro'))}</p><p><a href="/privacy/withdraw?lng=${esc(v.lng)}">${esc(t('withdrawLink'))}</a></p>
${info}`,
  );
}

export function phoneForm(v: View, csrf: string, error: string | null): string {
  const t = (k: string): string => v.texts.t(v.lng, k);
  return page(
    v,
    t('withdrawTitle'),
    `<p>${esc(t('withdrawIntro'))}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/privacy/withdraw">
${hidden('csrf', csrf)}${hidden('lng', v.lng)}
<label for="phone">${esc(t('phoneLabel'))}</label>
<p class="hint" id="phone-hint">${esc(t('phoneHint'))}</p>
<input type="tel" id="phone" name="phone" autocomplete="tel" inputmode="tel" required aria-describedby="phone-hint">
<button type="submit">${esc(t('sendCode'))}</button>
</form>`,
  );
}

export function codeForm(
  v: View,
  f: { csrf: string; request: string; purposes: string[]; error: string | null },
): string {
  const t = (k: string): string => v.texts.t(v.lng, k);
  const boxes = f.purposes
    .map(
      (p) =>
        `<label><input type="checkbox" name="purpose" value="${esc(p)}"> ${esc(v.texts.purpose(v.lng, p))}</label>`,
    )
    .join('\n');
  return page(
    v,
    t('codeTitle'),
    `<p role="status">${esc(t('codeSent'))}</p>
${f.error ? `<p class="error" role="alert">${esc(f.error)}</p>` : ''}
<form method="post" action="/privacy/withdraw/confirm">
${hidden('csrf', f.csrf)}${hidden('lng', v.lng)}${hidden('request', f.request)}
<label for="code">${esc(t('codeLabel'))}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<fieldset><legend>${esc(t('purposesLegend'))}</legend>
<p class="hint">${esc(t('purposesHint'))}</p>
${boxes}
</fieldset>
<button type="submit">${esc(t('withdrawButton'))}</button>
<button type="submit" class="secondary" formaction="/privacy/access" formnovalidate>${esc(t('accessButton'))}</button>
</form>
<p><a href="/privacy/withdraw?lng=${esc(v.lng)}">${esc(t('newCode'))}</a></p>`,
  );
}

export function messagePage(v: View, titleKey: string, message: string, again: boolean): string {
  const t = (k: string): string => v.texts.t(v.lng, k);
  return page(
    v,
    t(titleKey),
    `<p class="error" role="alert">${esc(message)}</p>${
      again ? `<p><a href="/privacy/withdraw?lng=${esc(v.lng)}">${esc(t('newCode'))}</a></p>` : ''
    }`,
  );
}

export function donePage(v: View, reference: string, consentIds: string[]): string {
  const t = (k: string, vars: Record<string, string> = {}): string => v.texts.t(v.lng, k, vars);
  const links = consentIds
    .map(
      (id) =>
        `<li><a href="/privacy/certificate/${esc(id)}?lng=${esc(v.lng)}">${esc(t('certificateLink', { consentId: id }))}</a></li>`,
    )
    .join('');
  return page(
    v,
    t('doneTitle'),
    consentIds.length > 0
      ? `<p role="status" id="reference">${esc(t('doneText', { reference }))}</p><ul>${links}</ul>
<p><a href="/privacy/access?lng=${esc(v.lng)}">${esc(t('accessButton'))}</a></p>`
      : `<p role="status">${esc(t('doneNothing'))}</p>`,
  );
}

export function accessPage(v: View, report: AccessReport): string {
  const t = (k: string): string => v.texts.t(v.lng, k);
  const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '–');
  const rows = report.consents
    .map((c) => {
      const purposes = Object.entries(c.purposes)
        .map(([p, on]) => `${esc(v.texts.purpose(v.lng, p))}: ${esc(t(on ? 'granted' : 'refused'))}`)
        .join('<br>');
      const cert = c.deletion
        ? `<a href="/privacy/certificate/${esc(c.consentId)}?lng=${esc(v.lng)}">${esc(c.deletion.reference)}</a>`
        : '–';
      return `<tr><td>${esc(c.consentId)}</td><td>${esc(day(c.date))}</td><td>${purposes}</td><td>${esc(t(`status.${c.status}`))}</td><td><code title="${esc(c.noticeVersion)}">${esc(c.noticeVersion.slice(0, 12))}</code></td><td>${esc(t(`clip.${c.clip}`))}</td><td>${esc(day(c.plannedDeletion))}</td><td>${cert}</td></tr>`;
    })
    .join('\n');
  const table = `<table><caption class="hint">${esc(t('accessIntro'))}</caption>
<thead><tr><th scope="col">${esc(t('colConsent'))}</th><th scope="col">${esc(t('colDate'))}</th><th scope="col">${esc(t('colPurposes'))}</th><th scope="col">${esc(t('colStatus'))}</th><th scope="col">${esc(t('colNotice'))}</th><th scope="col">${esc(t('colClip'))}</th><th scope="col">${esc(t('colDeletion'))}</th><th scope="col">${esc(t('colCertificate'))}</th></tr></thead>
<tbody>${rows}</tbody></table>`;
  return page(
    v,
    t('accessTitle'),
    `${report.consents.length > 0 ? table : `<p>${esc(t('accessNone'))}</p>`}
<p><a href="/privacy/access.json" download="my-data.json">${esc(t('downloadJson'))}</a></p>`,
  );
}

export function certificatePage(v: View, cert: DeletionCertificate | null, consentId: string): string {
  const t = (k: string, vars: Record<string, string> = {}): string => v.texts.t(v.lng, k, vars);
  if (!cert) return page(v, t('certificateTitle'), `<p>${esc(t('certUnknown'))}</p>`);
  const items = cert.items
    .map(
      (i) =>
        `<tr><td>${esc(i.system)}</td><td><code>${esc(i.object)}</code></td><td>${esc(i.action)}</td><td>${esc(i.result)}</td><td>${esc(i.at ?? '–')}</td></tr>`,
    )
    .join('\n');
  return page(
    v,
    t('certificateTitle'),
    `<p>${esc(t('certificateIntro', { consentId }))}</p>
<dl><dt>${esc(t('certReason'))}</dt><dd>${esc(t(`reason.${cert.reason}`))}</dd>
<dt>${esc(t('certStatus'))}</dt><dd id="certificate-status">${esc(t(cert.status === 'complete' ? 'certComplete' : 'certPending'))}</dd>
<dt>${esc(t('certRequested'))}</dt><dd>${esc(cert.requestedAt)}</dd>
<dt>${esc(t('certCompleted'))}</dt><dd>${esc(cert.completedAt ?? '–')}</dd></dl>
<table><thead><tr><th scope="col">${esc(t('colSystem'))}</th><th scope="col">${esc(t('colObject'))}</th><th scope="col">${esc(t('colAction'))}</th><th scope="col">${esc(t('colResult'))}</th><th scope="col">${esc(t('colAt'))}</th></tr></thead>
<tbody>${items}</tbody></table>
<p><a href="/privacy/certificate/${esc(consentId)}.json" download="certificate-${esc(consentId)}.json">${esc(t('certDownload'))}</a></p>`,
  );
}
