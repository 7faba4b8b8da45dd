export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type Lang = 'de' | 'en';

const EN = {
  title: 'Consent audit',
  login: 'Sign in',
  email: 'E-mail',
  password: 'Password',
  totp: 'One-time code (authenticator app)',
  loginFailed:
    'Sign-in failed. Check e-mail, password and code. After 5 failed attempts an account is locked for 15 minutes.',
  locked: 'Too many sign-in attempts. Try again in 15 minutes.',
  lockedUntil:
    'Your password and code are right, but this account is locked until {until} after 5 failed sign-ins. Sign in again after that time.',
  codeReused:
    'This one-time code was used already. Wait until your authenticator app shows the next code, then sign in with that one.',
  busy: 'The portal is busy signing others in. Try again in a few seconds.',
  logout: 'Sign out',
  search: 'Search consents',
  number: 'Caller number',
  consentId: 'Consent ID',
  callSid: 'CallSid',
  from: 'From (date)',
  to: 'To (date)',
  status: 'Status',
  any: 'any',
  purpose: 'Purpose',
  language: 'Language',
  find: 'Search',
  reason: 'Reason for this access',
  reasonHelp: 'Required before any personal data is shown, e.g. the request or case number.',
  saveReason: 'Save reason',
  currentReason: 'Current reason',
  results: 'Results',
  none: 'Nothing found.',
  page: 'Page',
  next: 'Next page',
  prev: 'Previous page',
  consent: 'Consent',
  created: 'Created',
  decision: 'Decision',
  method: 'Method',
  caller: 'Caller',
  input: 'Answer (digits / transcript)',
  confidence: 'Confidence',
  purposes: 'Purposes',
  granted: 'granted',
  refused: 'refused',
  notice: 'Notice heard (exact version)',
  timeline: 'Timeline',
  history: 'Caller history (consents, handovers, withdrawals)',
  clip: 'Consent recording',
  noClip: 'No recording stored.',
  download: 'Download recording',
  export: 'Export evidence (ZIP)',
  chain: 'Hash chain',
  chainOk: 'intact',
  chainBroken: 'BROKEN',
  publicKey: 'Public key for verifying exports',
  stats: 'Statistics',
  retention: 'Expiring soon',
  withdrawals: 'Unverified withdrawals',
  recordWithdrawal: 'Record a withdrawal',
  crm: 'CRM deliveries',
  config: 'Configuration checks',
  users: 'Users',
  role: 'Role',
  addUser: 'Add user',
  accessLog: 'Access log',
  ledger: 'Ledger checkpoints',
  verify: 'Verify evidence',
  verifyLink: 'Check an evidence export or a deletion certificate without an account',
  tokens: 'API tokens',
  createToken: 'Create token',
  tokenName: 'Token name',
  tokenOnce: 'Copy this token now; it is not shown again:',
  approvals: 'Approvals (four-eyes)',
  notices: 'Notice sign-off',
  requestApproval: 'Request approval to play the recording',
  approve: 'Approve',
  awaitingApproval: 'Playback needs a second auditor to approve your reason.',
  period: 'Period',
  show: 'Show',
  forbidden: 'You are not allowed to see this page.',
  notFound: 'Not found.',
  home: 'Overview',
  skip: 'Skip to content',
  secret: 'Scan this with your authenticator app:',
  enrol: 'Set up your account',
  enrolHelp:
    'Choose your password, scan the QR code with your authenticator app, and enter the code it shows.',
  enrolLink: 'One-time enrolment link (valid 72 hours). Give it to the person only:',
  enrolDone: 'Your account is ready. You can sign in now.',
  passwordRepeat: 'Password again',
  kind: 'Kind',
  serviceName: 'Service account name',
  addService: 'Add service account',
  disable: 'Disable',
  enable: 'Enable',
  changeRole: 'Change role',
  newLink: 'New enrolment link',
  revoke: 'Revoke',
  expires: 'Expires',
  owner: 'Holder',
  myself: 'myself',
  accountChanges: 'Account changes',
  accountChangesHelp:
    'Accounts created, enrolled, given a new role or disabled: an account nobody expected is a reason to ask.',
} as const;

export type Key = keyof typeof EN;

const DE: Record<Key, string> = {
  title: 'Einwilligungs-Prüfung',
  login: 'Anmelden',
  email: 'E-Mail',
  password: 'Passwort',
  totp: 'Einmalcode (Authenticator-App)',
  loginFailed:
    'Anmeldung fehlgeschlagen. Bitte E-Mail, Passwort und Code prüfen. Nach 5 Fehlversuchen wird ein Konto für 15 Minuten gesperrt.',
  locked: 'Zu viele Anmeldeversuche. Bitte in 15 Minuten erneut versuchen.',
  lockedUntil:
    'Passwort und Code stimmen, aber dieses Konto ist nach 5 Fehlversuchen bis {until} gesperrt. Bitte danach erneut anmelden.',
  codeReused:
    'Dieser Einmalcode wurde schon verwendet. Bitte warten, bis die Authenticator-App den nächsten Code zeigt, und mit diesem anmelden.',
  busy: 'Das Portal meldet gerade viele an. Bitte in einigen Sekunden erneut versuchen.',
  logout: 'Abmelden',
  search: 'Einwilligungen suchen',
  number: 'Rufnummer',
  consentId: 'Einwilligungs-ID',
  callSid: 'CallSid',
  from: 'Von (Datum)',
  to: 'Bis (Datum)',
  status: 'Status',
  any: 'alle',
  purpose: 'Zweck',
  language: 'Sprache',
  find: 'Suchen',
  reason: 'Grund für diesen Zugriff',
  reasonHelp: 'Pflicht, bevor personenbezogene Daten angezeigt werden, z. B. Anfrage- oder Aktenzeichen.',
  saveReason: 'Grund speichern',
  currentReason: 'Aktueller Grund',
  results: 'Ergebnisse',
  none: 'Nichts gefunden.',
  page: 'Seite',
  next: 'Nächste Seite',
  prev: 'Vorige Seite',
  consent: 'Einwilligung',
  created: 'Erstellt',
  decision: 'Entscheidung',
  method: 'Methode',
  caller: 'Anrufer',
  input: 'Antwort (Tasten / Transkript)',
  confidence: 'Konfidenz',
  purposes: 'Zwecke',
  granted: 'erteilt',
  refused: 'abgelehnt',
  notice: 'Gehörter Hinweis (genaue Version)',
  timeline: 'Zeitleiste',
  history: 'Verlauf des Anrufers (Einwilligungen, Weiterleitungen, Widerrufe)',
  clip: 'Aufnahme der Einwilligung',
  noClip: 'Keine Aufnahme gespeichert.',
  download: 'Aufnahme herunterladen',
  export: 'Nachweis exportieren (ZIP)',
  chain: 'Hash-Kette',
  chainOk: 'unversehrt',
  chainBroken: 'GEBROCHEN',
  publicKey: 'Öffentlicher Schlüssel zur Prüfung von Exporten',
  stats: 'Statistik',
  retention: 'Läuft bald ab',
  withdrawals: 'Unbestätigte Widerrufe',
  recordWithdrawal: 'Widerruf erfassen',
  crm: 'CRM-Zustellungen',
  config: 'Konfigurationsprüfung',
  users: 'Benutzer',
  role: 'Rolle',
  addUser: 'Benutzer anlegen',
  accessLog: 'Zugriffsprotokoll',
  ledger: 'Ledger-Checkpoints',
  verify: 'Nachweis prüfen',
  verifyLink: 'Nachweis-Export oder Löschzertifikat ohne Konto prüfen',
  tokens: 'API-Tokens',
  createToken: 'Token erstellen',
  tokenName: 'Token-Name',
  tokenOnce: 'Token jetzt kopieren, es wird nicht wieder angezeigt:',
  approvals: 'Freigaben (Vier-Augen-Prinzip)',
  notices: 'Freigabe der Ansagetexte',
  requestApproval: 'Freigabe zum Abspielen anfordern',
  approve: 'Freigeben',
  awaitingApproval: 'Zum Abspielen muss eine zweite Prüferin den Grund freigeben.',
  period: 'Zeitraum',
  show: 'Anzeigen',
  forbidden: 'Sie dürfen diese Seite nicht sehen.',
  notFound: 'Nicht gefunden.',
  home: 'Übersicht',
  skip: 'Zum Inhalt springen',
  secret: 'Mit der Authenticator-App scannen:',
  enrol: 'Konto einrichten',
  enrolHelp:
    'Passwort wählen, den QR-Code mit der Authenticator-App scannen und den angezeigten Code eingeben.',
  enrolLink: 'Einmaliger Einrichtungslink (72 Stunden gültig). Nur an die Person selbst geben:',
  enrolDone: 'Ihr Konto ist eingerichtet. Sie können sich jetzt anmelden.',
  passwordRepeat: 'Passwort wiederholen',
  kind: 'Art',
  serviceName: 'Name des Dienstkontos',
  addService: 'Dienstkonto anlegen',
  disable: 'Sperren',
  enable: 'Entsperren',
  changeRole: 'Rolle ändern',
  newLink: 'Neuer Einrichtungslink',
  revoke: 'Widerrufen',
  expires: 'Läuft ab',
  owner: 'Inhaber',
  myself: 'ich selbst',
  accountChanges: 'Kontoänderungen',
  accountChangesHelp:
    'Angelegte, eingerichtete, umgestufte oder gesperrte Konten: ein unerwartetes Konto ist ein Grund nachzufragen.',
};

export type T = (key: Key) => string;

export function translator(lang: Lang): T {
  return (key) => (lang === 'de' ? DE[key] : EN[key]);
}

/** ?lang= wins, then the first supported Accept-Language entry; English otherwise. */
export function pickLang(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'de' || query === 'en') return query;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'de' || tag === 'en') return tag;
  }
  return 'en';
}

const CSS = `
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#111;background:#fff}
a{color:#0645ad}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #c60;outline-offset:2px}
header{background:#1a2b4c;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a,header button{color:#fff}nav{display:flex;flex-wrap:wrap;gap:1rem}
main{padding:1rem;max-width:72rem;margin:auto}label{display:block;font-weight:600;margin-top:.5rem}
input,select,textarea{font:inherit;padding:.4rem;border:1px solid #555;border-radius:3px;width:100%;max-width:28rem}
button{font:inherit;padding:.45rem 1rem;background:#1a2b4c;color:#fff;border:0;border-radius:3px;cursor:pointer;margin-top:.5rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
caption{text-align:left;font-weight:600;padding:.3rem 0}code,pre,td a{overflow-wrap:anywhere}.timeline-table time{white-space:nowrap}.facts th{width:30%}.dot{display:inline-block;width:.7em;height:.7em;border-radius:50%}
ol.notice>li{margin-bottom:1rem}.heard{font-size:1.05rem;border-left:4px solid #5b3a8c;padding-left:.6rem}svg.timeline{max-width:100%;height:auto}
.error{color:#a00;font-weight:600}.ok{color:#060;font-weight:600}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.5rem 1rem}
`;

export interface LayoutUser {
  email: string;
  role: string;
  csrf: string;
}

export function layout(
  t: T,
  lang: Lang,
  title: string,
  body: string,
  user: LayoutUser | null,
  links: Array<[string, string]> = [],
): string {
  const nav = user
    ? `<nav aria-label="main">${links.map(([href, label]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`).join('')}</nav>
<form method="post" action="/audit/logout" style="margin-left:auto"><input type="hidden" name="csrf" value="${escapeHtml(user.csrf)}">
<span>${escapeHtml(user.email)} (${escapeHtml(user.role)})</span> <button type="submit">${t('logout')}</button></form>`
    : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} – ${t('title')}</title><style>${CSS}</style></head><body>
<a class="skip" href="#main">${t('skip')}</a><header><strong>${t('title')}</strong>${nav}</header>
<main id="main"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

export const csrfField = (csrf: string): string =>
  `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;

export function field(
  id: string,
  label: string,
  opts: { type?: string; value?: string; required?: boolean; autocomplete?: string; extra?: string } = {},
): string {
  return `<label for="${id}">${escapeHtml(label)}</label><input id="${id}" name="${id}" type="${opts.type ?? 'text'}" value="${escapeHtml(opts.value ?? '')}"${opts.required ? ' required' : ''}${opts.autocomplete ? ` autocomplete="${opts.autocomplete}"` : ''}${opts.extra ?? ''}>`;
}

export function select(id: string, label: string, options: Array<[string, string]>, value: string): string {
  return `<label for="${id}">${escapeHtml(label)}</label><select id="${id}" name="${id}">${options
    .map(
      ([v, l]) =>
        `<option value="${escapeHtml(v)}"${v === value ? ' selected' : ''}>${escapeHtml(l)}</option>`,
    )
    .join('')}</select>`;
}
