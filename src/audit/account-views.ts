import type { AccessRecord } from './access-log';
import { csrfField, escapeHtml as e, field, select, type T } from './html';
import { ROLES } from './roles';
import type { ApiTokenListing } from './sessions';
import type { PublicUser } from './users';

const roleOptions = (roles: readonly string[]): Array<[string, string]> => roles.map((r) => [r, r]);
const when = (ms: number): string => new Date(ms).toISOString();
const postButton = (action: string, csrf: string, label: string, extra = ''): string =>
  `<form method="post" action="${e(action)}" style="display:inline">${csrfField(csrf)}${extra}<button type="submit">${e(label)}</button></form>`;

/** Admin: accounts, with disabling, roles and new enrolment links; never a password or TOTP secret. */
export function usersPage(
  t: T,
  csrf: string,
  users: PublicUser[],
  selfId: number,
  created: { email: string; enrolUrl: string | null } | null,
  error: string | null,
): string {
  const rows = users
    .map((u) => {
      const actions =
        u.id === selfId
          ? ''
          : [
              postButton(
                `/audit/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`,
                csrf,
                t(u.disabled ? 'enable' : 'disable'),
              ),
              postButton(
                `/audit/users/${u.id}/role`,
                csrf,
                t('changeRole'),
                `<label class="skip" for="role-${u.id}">${t('role')}</label><select id="role-${u.id}" name="role">${ROLES.map((r) => `<option${r === u.role ? ' selected' : ''}>${e(r)}</option>`).join('')}</select>`,
              ),
              u.kind === 'person' ? postButton(`/audit/users/${u.id}/enrolment`, csrf, t('newLink')) : '',
            ].join(' ');
      const state = [
        u.enrolled || u.kind === 'service' ? '' : 'pending',
        u.locked ? 'locked' : '',
        u.disabled ? 'disabled' : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `<tr><td>${e(u.email)}</td><td>${e(u.kind)}</td><td>${e(u.role)}</td><td>${e(u.created_at)}</td><td>${state}</td><td>${actions}</td></tr>`;
    })
    .join('');
  return `${error ? `<p class="error" role="alert">${e(error)}</p>` : ''}${
    created?.enrolUrl
      ? `<section aria-live="polite"><p>${t('enrolLink')} ${e(created.email)}</p><pre id="enrol-link">${e(created.enrolUrl)}</pre></section>`
      : ''
  }
<table><thead><tr><th>${t('email')}</th><th>${t('kind')}</th><th>${t('role')}</th><th>${t('created')}</th><th>${t('status')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<h2>${t('addUser')}</h2><form method="post" action="/audit/users">${csrfField(csrf)}<input type="hidden" name="kind" value="person">
${field('email', t('email'), { type: 'email', required: true, autocomplete: 'off' })}
${select('role', t('role'), roleOptions(ROLES), 'auditor')}
<div><button type="submit">${t('addUser')}</button></div></form>
<h2>${t('addService')}</h2><form method="post" action="/audit/users">${csrfField(csrf)}<input type="hidden" name="kind" value="service">
${field('name', t('serviceName'), { required: true, autocomplete: 'off', extra: ' pattern="[a-z0-9][a-z0-9._-]{2,63}"' })}
${select('service-role', t('role'), roleOptions(ROLES), 'ops').replace('name="service-role"', 'name="role"')}
<div><button type="submit">${t('addService')}</button></div></form>`;
}

/** Everyone's own tokens (an admin sees all); minting for oneself or, for an admin, a service account. */
export function tokensPage(
  t: T,
  csrf: string,
  tokens: ApiTokenListing[],
  services: string[],
  created: string | null,
  now: number,
): string {
  const state = (k: ApiTokenListing): string =>
    k.revoked_at ? `revoked ${e(k.revoked_at)}` : k.expires_at <= now ? 'expired' : '';
  return `${created ? `<p role="status">${t('tokenOnce')}</p><pre id="new-token">${e(created)}</pre>` : ''}
<table><thead><tr><th>#</th><th>${t('tokenName')}</th><th>${t('owner')}</th><th>${t('created')}</th><th>${t('expires')}</th><th></th><th></th></tr></thead><tbody>${tokens
    .map(
      (k) =>
        `<tr><td>${k.id}</td><td>${e(k.name)}</td><td>${e(k.email)}</td><td>${e(k.created_at)}</td><td>${when(k.expires_at)}</td><td>${state(k)}</td><td>${
          k.revoked_at || k.expires_at <= now
            ? ''
            : postButton(`/audit/tokens/${k.id}/revoke`, csrf, t('revoke'))
        }</td></tr>`,
    )
    .join('')}</tbody></table>
<h2>${t('createToken')}</h2><form method="post" action="/audit/tokens">${csrfField(csrf)}
${field('name', t('tokenName'), { required: true })}
${select('service', t('owner'), [['', t('myself')], ...services.map((s): [string, string] => [s, s])], '')}
<div><button type="submit">${t('createToken')}</button></div></form>`;
}

export function enrolPage(
  t: T,
  csrf: string,
  email: string,
  otpauth: string,
  qr: string,
  error: string | null,
): string {
  return `${error ? `<p class="error" role="alert">${e(error)}</p>` : ''}<p>${t('enrolHelp')}</p>
<p><strong>${e(email)}</strong></p><img src="${e(qr)}" alt="TOTP QR code"><details><summary>otpauth</summary><pre>${e(otpauth)}</pre></details>
<form method="post">${csrfField(csrf)}
${field('password', t('password'), { type: 'password', required: true, autocomplete: 'new-password', extra: ' minlength="12"' })}
${field('repeat', t('passwordRepeat'), { type: 'password', required: true, autocomplete: 'new-password', extra: ' minlength="12"' })}
${field('code', t('totp'), { required: true, autocomplete: 'one-time-code', extra: ' inputmode="numeric" pattern="[0-9]{6}" maxlength="6"' })}
<button type="submit">${t('enrol')}</button></form>`;
}

/** For auditors: who created, enrolled, re-roled or disabled which account, newest first. */
export function accountChanges(t: T, records: AccessRecord[]): string {
  return `<h2>${t('accountChanges')}</h2><p>${t('accountChangesHelp')}</p>${
    records.length === 0
      ? `<p>${t('none')}</p>`
      : `<table id="account-changes"><thead><tr><th>at</th><th>action</th><th>${t('email')}</th><th>${t('role')}</th><th>by</th></tr></thead><tbody>${records
          .map((r) => {
            const d = r.detail as { email?: unknown; role?: unknown };
            return `<tr><td>${e(r.at)}</td><td>${e(r.action)}</td><td>${e(String(d.email ?? ''))}</td><td>${e(String(d.role ?? ''))}</td><td>${e(r.user)} (${e(r.via)})</td></tr>`;
          })
          .join('')}</tbody></table>`
  }`;
}
