import type { AccessRecord } from './access-log';
import type { ConsentDetail, ConsentSummary, SearchQuery } from './consents';
import { csrfField, escapeHtml as e, field, select, type T } from './html';
import { can, NAV, type Role } from './roles';
import type { Statistics } from './stats';

export function navLinks(t: T, role: Role): Array<[string, string]> {
  return [
    ['/audit/', t('home')],
    ...NAV.filter((n) => n.permission === null || can(role, n.permission)).map((n): [string, string] => [
      n.href,
      t(n.label),
    ]),
  ];
}

/** The sign-in form; after a failed attempt it keeps the address typed, never the password or code. */
export function loginPage(t: T, csrf: string, error: string | null, email = ''): string {
  return `${error ? `<p class="error" role="alert" id="login-error">${e(error)}</p>` : ''}
<form method="post" action="/audit/login">${csrfField(csrf)}
${field('email', t('email'), { type: 'email', required: true, autocomplete: 'username', value: email })}
${field('password', t('password'), { type: 'password', required: true, autocomplete: 'current-password' })}
${field('code', t('totp'), { required: true, autocomplete: 'one-time-code', extra: ' inputmode="numeric" pattern="[0-9]{6}" maxlength="6"' })}
<button type="submit">${t('login')}</button></form>`;
}

export function homePage(t: T, role: Role, publicKeyPem: string): string {
  return `<ul>${navLinks(t, role)
    .slice(1)
    .map(([href, label]) => `<li><a href="${href}">${e(label)}</a></li>`)
    .join('')}</ul>
<h2>${t('publicKey')}</h2><pre id="public-key">${e(publicKeyPem)}</pre>`;
}

export function reasonForm(t: T, csrf: string, current: string | null, next: string): string {
  return `<form method="post" action="/audit/reason">${csrfField(csrf)}<input type="hidden" name="next" value="${e(next)}">
<label for="reason">${t('reason')}</label><p id="reason-help">${t('reasonHelp')}</p>
<textarea id="reason" name="reason" required minlength="5" maxlength="500" aria-describedby="reason-help">${e(current ?? '')}</textarea>
<div><button type="submit">${t('saveReason')}</button></div></form>`;
}

const purposesText = (t: T, p: Record<string, boolean>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}: ${v ? t('granted') : t('refused')}`)
    .join(', ');

export function searchPage(
  t: T,
  q: SearchQuery,
  reason: string,
  result: { rows: ConsentSummary[]; total: number; page: number; pages: number } | null,
  languages: string[],
  purposes: string[],
): string {
  const form = `<p>${t('currentReason')}: <em>${e(reason)}</em> (<a href="/audit/reason">✎</a>)</p>
<form method="get" action="/audit/consents" class="grid" role="search">
<div>${field('number', t('number'), { type: 'tel', value: q.number })}</div>
<div>${field('consentId', t('consentId'), { value: q.consentId })}</div>
<div>${field('callSid', t('callSid'), { value: q.callSid })}</div>
<div>${field('from', t('from'), { type: 'date', value: q.from ?? '' })}</div>
<div>${field('to', t('to'), { type: 'date', value: q.to ?? '' })}</div>
<div>${select(
    'status',
    t('status'),
    [
      ['', t('any')],
      ['active', 'active'],
      ['declined', 'declined'],
      ['withdrawn', 'withdrawn'],
    ],
    q.status ?? '',
  )}</div>
<div>${select('purpose', t('purpose'), [['', t('any')], ...purposes.map((p): [string, string] => [p, p])], q.purpose ?? '')}</div>
<div>${select('language', t('language'), [['', t('any')], ...languages.map((l): [string, string] => [l, l])], q.language ?? '')}</div>
<div><button type="submit">${t('find')}</button></div></form>`;
  if (!result) return form;
  const params = new URLSearchParams(
    Object.entries(q).filter((kv): kv is [string, string] => typeof kv[1] === 'string' && kv[1] !== ''),
  );
  const pageLink = (n: number, label: string): string => {
    params.set('page', String(n));
    return `<a href="/audit/consents?${e(params.toString())}">${e(label)}</a>`;
  };
  return `${form}<h2>${t('results')} (${result.total})</h2>${
    result.rows.length === 0
      ? `<p>${t('none')}</p>`
      : `<table><thead><tr><th>${t('consentId')}</th><th>${t('created')}</th><th>${t('caller')}</th><th>${t('language')}</th><th>${t('decision')}</th><th>${t('status')}</th><th>${t('purposes')}</th></tr></thead><tbody>${result.rows
          .map(
            (r) =>
              `<tr><td><a href="/audit/consents/${encodeURIComponent(r.id)}">${e(r.id)}</a></td><td>${e(r.createdAt)}</td><td>${e(r.caller ?? '—')}</td><td>${e(r.language)}</td><td>${e(r.decision)}</td><td>${e(r.status)}</td><td>${e(purposesText(t, r.purposes))}</td></tr>`,
          )
          .join('')}</tbody></table>`
  }<p>${t('page')} ${result.page} / ${result.pages} ${result.page > 1 ? pageLink(result.page - 1, t('prev')) : ''} ${result.page < result.pages ? pageLink(result.page + 1, t('next')) : ''}</p>`;
}

export function consentPage(
  t: T,
  d: ConsentDetail,
  clip: { allowed: boolean; csrf: string; pending: boolean },
): string {
  const c = d.consent;
  const id = encodeURIComponent(c.id);
  const rows: Array<[string, string]> = [
    [t('consentId'), c.id],
    [t('created'), c.createdAt],
    [t('callSid'), c.callSid],
    [t('caller'), c.caller ?? '—'],
    [t('language'), c.language],
    [t('method'), c.method],
    [t('input'), c.input ?? '—'],
    [t('confidence'), c.confidence === null ? '—' : String(c.confidence)],
    [t('decision'), c.decision],
    [t('status'), c.withdrawnAt ? `${c.status} (${c.withdrawnAt})` : c.status],
    [t('purposes'), purposesText(t, c.purposes)],
  ];
  let clipHtml: string;
  if (!d.clip || d.clip.status !== 'stored') clipHtml = `<p>${t('noClip')}</p>`;
  else if (!clip.allowed)
    clipHtml = `<p>${t('awaitingApproval')}</p>${
      clip.pending
        ? ''
        : `<form method="post" action="/audit/consents/${id}/approval">${csrfField(clip.csrf)}<button type="submit">${t('requestApproval')}</button></form>`
    }`;
  else
    clipHtml = `<audio id="clip" controls preload="none" src="/audit/consents/${id}/clip" aria-label="${t('clip')}"></audio>
<p><a id="download" href="/audit/consents/${id}/clip?download=1">${t('download')}</a> · SHA-256 ${e(d.clip.plain_sha256 ?? '—')}</p>`;
  return `<table>${rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>
<p><a id="export" href="/audit/consents/${id}/export">${t('export')}</a></p>
<h2>${t('clip')}</h2>${clipHtml}
<h2>${t('chain')}</h2><p id="chain" class="${d.chain.ok && d.chain.callEventsLinked ? 'ok' : 'error'}">${
    d.chain.ok && d.chain.callEventsLinked ? t('chainOk') : t('chainBroken')
  } (${d.chain.checked}; ${e(d.chain.detail)})</p>
<h2>${t('notice')}</h2><p><code>${e(c.noticeId)}</code></p><pre>${e(d.notice?.content ?? '—')}</pre>
<h2>${t('timeline')}</h2><ol>${d.timeline
    .map(
      (ev) =>
        `<li><time>${e(ev.at)}</time> <strong>${e(ev.type)}</strong> <code>${e(JSON.stringify(ev.data))}</code></li>`,
    )
    .join('')}</ol>
<h2>${t('history')}</h2><ul>${d.history
    .map((h) => `<li>${e(h.at)} ${e(h.type)} ${e(h.consentId ?? '')} ${e(h.callSid ?? '')}</li>`)
    .join('')}</ul>`;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

export function statsPage(t: T, s: Statistics): string {
  const rateRows = (entries: Array<[string, Statistics['total']]>): string =>
    entries
      .map(
        ([k, r]) =>
          `<tr><th scope="row">${e(k)}</th><td>${r.calls}</td><td>${pct(r.consentRate)}</td><td>${pct(r.refusalRate)}</td><td>${pct(r.infoRequestRate)}</td><td>${pct(r.abandonedDuringAnnouncement)}</td><td>${r.avgSecondsToDecision ?? '—'}</td></tr>`,
      )
      .join('');
  return `<form method="get" action="/audit/stats" class="grid">
<div>${field('from', t('from'), { type: 'date', value: s.from })}</div><div>${field('to', t('to'), { type: 'date', value: s.to })}</div>
<div><button type="submit">${t('show')}</button></div></form>
<table><thead><tr><th></th><th>calls</th><th>consent</th><th>refusal</th><th>info</th><th>abandoned in announcement</th><th>Ø s to decision</th></tr></thead>
<tbody>${rateRows([['total', s.total], ...Object.entries(s.byLanguage)])}</tbody></table>
<h2>${t('purposes')}</h2><table><tbody>${Object.entries(s.byPurpose)
    .map(
      ([k, v]) =>
        `<tr><th scope="row">${e(k)}</th><td>${t('granted')} ${v.granted}</td><td>${t('refused')} ${v.refused}</td></tr>`,
    )
    .join('')}</tbody></table>
<h2>${t('notice')}</h2><table><tbody>${Object.entries(s.byNotice)
    .map(
      ([k, v]) =>
        `<tr><th scope="row"><code>${e(k)}</code></th><td>${v.consents}</td><td>${t('granted')} ${v.granted}</td><td>${v.declined}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function checksPage(checks: Array<{ name: string; ok: boolean; detail: string }>): string {
  return `<table><tbody>${checks
    .map(
      (c) =>
        `<tr><th scope="row">${e(c.name)}</th><td class="${c.ok ? 'ok' : 'error'}">${c.ok ? 'ok' : '!'}</td><td>${e(c.detail)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function accessLogPage(t: T, records: AccessRecord[], verdict: string): string {
  return `<p>${t('chain')}: ${e(verdict)} · <a href="/audit/access-log?format=csv">CSV</a> · <a href="/audit/access-log?format=json">JSON</a></p>
<table><thead><tr><th>#</th><th>at</th><th>action</th><th>user</th><th>ip</th><th>${t('reason')}</th><th>${t('consent')}</th></tr></thead><tbody>${records
    .map(
      (r) =>
        `<tr><td>${r.seq}</td><td>${e(r.at)}</td><td>${e(r.action)}</td><td>${e(r.user)} (${e(r.role)}, ${e(r.via)})</td><td>${e(r.ip ?? '')}</td><td>${e(r.reason ?? '')}</td><td>${e(r.consentId ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function approvalsPage(
  t: T,
  csrf: string,
  pending: Array<{ id: number; consent_id: string; reason: string; email: string; created_at: string }>,
): string {
  return pending.length === 0
    ? `<p>${t('none')}</p>`
    : `<table><tbody>${pending
        .map(
          (a) =>
            `<tr><td>${e(a.consent_id)}</td><td>${e(a.email)}</td><td>${e(a.reason)}</td><td>${e(a.created_at)}</td><td><form method="post" action="/audit/approvals/${a.id}/approve">${csrfField(csrf)}<button type="submit" aria-label="${t('approve')} ${e(a.consent_id)}">${t('approve')}</button></form></td></tr>`,
        )
        .join('')}</tbody></table>`;
}
