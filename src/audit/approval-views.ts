import type { OwnRequest, PendingApproval } from './approvals';
import { csrfField, escapeHtml as e, type Lang } from './html';

const TEXT = {
  en: {
    awaiting: 'Requests awaiting your decision',
    awaitingNone: 'No request is waiting for you.',
    yours: 'Your requests',
    yoursNone: 'You have made no request.',
    consent: 'Consent',
    requester: 'Requested by',
    reason: 'Reason given',
    requested: 'Requested',
    decision: 'Decision',
    status: 'Status',
    decided: 'Decided by',
    note: 'Note',
    approve: 'Approve',
    reject: 'Reject',
    rejectReason: 'Why you reject it (the requester reads this)',
    states: {
      pending: 'pending: waiting for a second auditor',
      approved: 'approved',
      rejected: 'rejected',
      used: 'used',
    },
    until: (at: string) => `valid until ${at}`,
    pendingHere: (at: string) =>
      `Your request of ${at} is pending: a second auditor must approve it on the Approvals page before you can play the recording.`,
    rejectedHere: (by: string, note: string) =>
      `Your last request was rejected by ${by}: “${note}”. You may ask again.`,
    request: 'Request approval to play the recording',
  },
  de: {
    awaiting: 'Anfragen, die auf Ihre Entscheidung warten',
    awaitingNone: 'Keine Anfrage wartet auf Sie.',
    yours: 'Ihre Anfragen',
    yoursNone: 'Sie haben keine Anfrage gestellt.',
    consent: 'Einwilligung',
    requester: 'Angefragt von',
    reason: 'Angegebener Grund',
    requested: 'Angefragt',
    decision: 'Entscheidung',
    status: 'Stand',
    decided: 'Entschieden von',
    note: 'Notiz',
    approve: 'Freigeben',
    reject: 'Ablehnen',
    rejectReason: 'Warum Sie ablehnen (die anfragende Person liest das)',
    states: {
      pending: 'offen: wartet auf eine zweite Prüferin',
      approved: 'freigegeben',
      rejected: 'abgelehnt',
      used: 'verbraucht',
    },
    until: (at: string) => `gültig bis ${at}`,
    pendingHere: (at: string) =>
      `Ihre Anfrage vom ${at} ist offen: eine zweite Prüferin muss sie auf der Seite Freigaben freigeben, bevor Sie die Aufnahme abspielen können.`,
    rejectedHere: (by: string, note: string) =>
      `Ihre letzte Anfrage wurde von ${by} abgelehnt: „${note}“. Sie können erneut anfragen.`,
    request: 'Freigabe zum Abspielen anfordern',
  },
} as const;

const consentLink = (id: string): string =>
  `<a href="/audit/consents/${encodeURIComponent(id)}"><code>${e(id)}</code></a>`;

function awaitingTable(lang: Lang, csrf: string, pending: PendingApproval[]): string {
  const t = TEXT[lang];
  if (pending.length === 0) return `<p>${t.awaitingNone}</p>`;
  const rows = pending
    .map(
      (
        a,
      ) => `<tr><td>${consentLink(a.consent_id)}</td><td>${e(a.email)}</td><td>${e(a.reason)}</td><td>${e(a.created_at)}</td>
<td><form method="post" action="/audit/approvals/${a.id}/approve">${csrfField(csrf)}<button type="submit" aria-label="${t.approve} ${e(a.consent_id)}">${t.approve}</button></form>
<form method="post" action="/audit/approvals/${a.id}/reject">${csrfField(csrf)}<label for="reject-${a.id}">${t.rejectReason}</label>
<textarea id="reject-${a.id}" name="reason" required minlength="5" maxlength="500" rows="2"></textarea>
<button type="submit" aria-label="${t.reject} ${e(a.consent_id)}">${t.reject}</button></form></td></tr>`,
    )
    .join('');
  return `<table id="approvals-awaiting"><thead><tr><th scope="col">${t.consent}</th><th scope="col">${t.requester}</th><th scope="col">${t.reason}</th><th scope="col">${t.requested}</th><th scope="col">${t.decision}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function ownTable(lang: Lang, mine: OwnRequest[]): string {
  const t = TEXT[lang];
  if (mine.length === 0) return `<p>${t.yoursNone}</p>`;
  const rows = mine
    .map((r) => {
      const state =
        r.status === 'approved' && r.expires_at
          ? `${t.states.approved} (${t.until(new Date(r.expires_at).toISOString())})`
          : t.states[r.status];
      return `<tr data-status="${e(r.status)}"><td>${consentLink(r.consent_id)}</td><td>${e(r.reason)}</td><td>${e(r.created_at)}</td><td>${e(state)}</td><td>${e(r.decided_by ?? '—')}${r.decided_at ? ` (${e(r.decided_at)})` : ''}</td><td>${e(r.decision_note ?? '')}</td></tr>`;
    })
    .join('');
  return `<table id="approvals-mine"><thead><tr><th scope="col">${t.consent}</th><th scope="col">${t.reason}</th><th scope="col">${t.requested}</th><th scope="col">${t.status}</th><th scope="col">${t.decided}</th><th scope="col">${t.note}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The four-eyes page: what waits for this auditor's decision, and what became of their own requests. */
export function approvalsPage(
  lang: Lang,
  csrf: string,
  pending: PendingApproval[],
  mine: OwnRequest[],
): string {
  const t = TEXT[lang];
  return `<h2>${t.awaiting}</h2>${awaitingTable(lang, csrf, pending)}<h2>${t.yours}</h2>${ownTable(lang, mine)}`;
}

/**
 * On a consent page whose clip needs an approval: the state of this auditor's request for it
 * (pending, or rejected with the reason) and, unless one is pending, the button to ask.
 */
export function approvalRequestHtml(
  lang: Lang,
  consentId: string,
  csrf: string,
  latest: OwnRequest | undefined,
): string {
  const t = TEXT[lang];
  const form = `<form method="post" action="/audit/consents/${encodeURIComponent(consentId)}/approval">${csrfField(csrf)}<button type="submit">${t.request}</button></form>`;
  if (latest?.status === 'pending')
    return `<p id="approval-state" role="status" data-status="pending">${e(t.pendingHere(latest.created_at))}</p>`;
  if (latest?.status === 'rejected')
    return `<p id="approval-state" role="status" data-status="rejected">${e(t.rejectedHere(latest.decided_by ?? '?', latest.decision_note ?? ''))}</p>${form}`;
  return form;
}
