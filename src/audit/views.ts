import type { AccessRecord } from './access-log';
import { csrfField, escapeHtml as e, field, type T } from './html';
import { can, NAV, type NavFeatures, type Role } from './roles';
import { timeTag, type PortalClock } from './portal-time';
import type { Statistics } from './stats';

/** The menu: the pages this role may open, of the features this deployment has switched on. */
export function navLinks(t: T, role: Role, features: NavFeatures): Array<[string, string]> {
  return [
    ['/audit/', t('home')],
    ...NAV.filter(
      (n) => (n.permission === null || can(role, n.permission)) && (!n.needs || features[n.needs]),
    ).map((n): [string, string] => [n.href, t(n.label)]),
  ];
}

/** The sign-in form; after a failed attempt it keeps the address typed, never the password or code. */
export function loginPage(t: T, csrf: string, error: string | null, email = ''): string {
  return `${error ? `<p class="error" role="alert" id="login-error">${e(error)}</p>` : ''}
<form method="post" action="/audit/login">${csrfField(csrf)}
${field('email', t('email'), { type: 'email', required: true, autocomplete: 'username', value: email })}
${field('password', t('password'), { type: 'password', required: true, autocomplete: 'current-password' })}
${field('code', t('totp'), { required: true, autocomplete: 'one-time-code', extra: ' inputmode="numeric" pattern="[0-9]{6}" maxlength="6"' })}
<button type="submit">${t('login')}</button></form>
<p><a href="/audit/verify">${t('verifyLink')}</a></p>`;
}

export function homePage(t: T, role: Role, features: NavFeatures, publicKeyPem: string): string {
  return `<ul>${navLinks(t, role, features)
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
<table><thead><tr><th scope="col">${t('language')}</th><th scope="col">calls</th><th scope="col">consent</th><th scope="col">refusal</th><th scope="col">info</th><th scope="col">abandoned in announcement</th><th scope="col">Ø s to decision</th></tr></thead>
<tbody>${rateRows([['total', s.total], ...Object.entries(s.byLanguage)])}</tbody></table>
<h2>${t('purposes')}</h2><table><thead><tr><th scope="col">${t('purpose')}</th><th scope="col">${t('granted')}</th><th scope="col">${t('refused')}</th></tr></thead><tbody>${Object.entries(
    s.byPurpose,
  )
    .map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${v.granted}</td><td>${v.refused}</td></tr>`)
    .join('')}</tbody></table>
<h2>${t('notice')}</h2><table><thead><tr><th scope="col">${t('notice')}</th><th scope="col">consents</th><th scope="col">${t('granted')}</th><th scope="col">declined</th></tr></thead><tbody>${Object.entries(
    s.byNotice,
  )
    .map(
      ([k, v]) =>
        `<tr><th scope="row"><code>${e(k)}</code></th><td>${v.consents}</td><td>${v.granted}</td><td>${v.declined}</td></tr>`,
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

/** Times in the portal's zone; CSV and JSON exports keep UTC. */
export function accessLogPage(t: T, records: AccessRecord[], verdict: string, clock: PortalClock): string {
  return `<p>${t('chain')}: ${e(verdict)} · <a href="/audit/access-log?format=csv">CSV</a> · <a href="/audit/access-log?format=json">JSON</a></p>
<table><thead><tr><th>#</th><th>at</th><th>action</th><th>user</th><th>ip</th><th>${t('reason')}</th><th>${t('consent')}</th></tr></thead><tbody>${records
    .map(
      (r) =>
        `<tr><td>${r.seq}</td><td>${timeTag(r.at, clock)}</td><td>${e(r.action)}</td><td>${e(r.user)} (${e(r.role)}, ${e(r.via)})</td><td>${e(r.ip ?? '')}</td><td>${e(r.reason ?? '')}</td><td>${e(r.consentId ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}
