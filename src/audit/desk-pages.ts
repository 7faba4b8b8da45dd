import type { CallDetail } from './call-detail';
import type { CallSearchResult } from './call-search';
import type { ConsentDetail, SearchQuery } from './consents';
import {
  clipHashes,
  factTable,
  handoverSection,
  historySection,
  noticesSection,
  purposesList,
  timelineSection,
  type DeskView,
} from './desk-sections';
import { outcomeWords } from './desk-words';
import { escapeHtml as e, field, select, type T } from './html';
import { OUTCOME_FILTERS } from './outcomes';
import { formatDuration, timeTag } from './portal-time';

const callLink = (sid: string, label: string): string =>
  `<a href="/audit/calls/${encodeURIComponent(sid)}">${e(label)}</a>`;
const consentLink = (id: string): string =>
  `<a href="/audit/consents/${encodeURIComponent(id)}">${e(id)}</a>`;

/** One call, with or without a consent: facts, consents, notice heard, timeline, handover, history. */
export function callPage(v: DeskView, d: CallDetail): string {
  const c = d.call;
  const duration =
    c.ended_at !== null ? formatDuration(Date.parse(c.ended_at) - Date.parse(c.created_at)) : '—';
  const facts = factTable(
    [
      ['CallSid', `<code>${e(c.call_sid)}</code>`],
      [v.w('started'), timeTag(c.created_at, v.clock)],
      [v.w('ended'), timeTag(c.ended_at, v.clock)],
      [v.w('duration'), e(duration)],
      [v.w('caller'), e(c.caller ?? '—')],
      [v.w('called'), e(c.called ?? '—')],
      [v.w('country'), e(c.country ?? '—')],
      [v.w('language'), e(c.locale)],
      [v.w('outcome'), e(outcomeWords(v.lang, c.outcome))],
      [v.w('routedTo'), e(c.routed_to)],
    ],
    'call-facts',
  );
  const consents =
    d.consents.length === 0
      ? `<p id="no-consent">${e(v.w('noConsent'))}</p>`
      : `<table id="call-consents"><thead><tr><th scope="col">${e(v.w('consentCol'))}</th><th scope="col">${e(v.w('time'))}</th><th scope="col">${e(v.w('decision'))}</th><th scope="col">Status</th><th scope="col">${e(v.w('allPurposes'))}</th></tr></thead><tbody>${d.consents
          .map(
            (x) =>
              `<tr><td>${consentLink(x.id)}</td><td>${timeTag(x.createdAt, v.clock)}</td><td>${e(x.decision)}</td><td>${e(x.status)}</td><td>${e(purposesList(v, x.purposes))}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `${facts}
<h2>${e(v.w('consents'))}</h2>${consents}
<h2>${e(v.w('noticeHeard'))}</h2>${noticesSection(v, d.notices, c.country)}
<h2>${e(v.w('timeline'))}</h2>${timelineSection(v, d.events, d.fullReasons)}
<h2>${e(v.w('handover'))}</h2>${handoverSection(v, d.handover)}
<h2>${e(v.w('history'))}</h2>${historySection(v, d.history)}`;
}

/** The consent record: the decision, its clip and hashes, the chain verdict, and the call it came from. */
export function consentPage(
  v: DeskView,
  t: T,
  d: ConsentDetail,
  call: CallDetail | null,
  /** requestHtml: the auditor's approval request for this clip (approval-views), when not allowed. */
  clip: { allowed: boolean; requestHtml: string },
): string {
  const c = d.consent;
  const id = encodeURIComponent(c.id);
  const facts = factTable(
    [
      [t('consentId'), e(c.id)],
      [t('created'), timeTag(c.createdAt, v.clock)],
      [v.w('call'), callLink(c.callSid, c.callSid)],
      [t('caller'), e(c.caller ?? '—')],
      [t('language'), e(c.language)],
      [t('method'), e(c.method === 'dtmf' ? 'keypad (DTMF)' : c.method)],
      [t('input'), e(c.input ?? '—')],
      [t('confidence'), e(c.confidence === null ? '—' : String(c.confidence))],
      [t('decision'), e(c.decision)],
      [t('status'), c.withdrawnAt ? `${e(c.status)} (${timeTag(c.withdrawnAt, v.clock)})` : e(c.status)],
      [t('purposes'), e(purposesList(v, c.purposes))],
    ],
    'consent-facts',
  );
  let clipHtml: string;
  if (!d.clip || d.clip.status !== 'stored') clipHtml = `<p>${t('noClip')}</p>`;
  else if (!clip.allowed) clipHtml = `<p>${t('awaitingApproval')}</p>${clip.requestHtml}`;
  else
    clipHtml = `<audio id="clip" controls preload="none" src="/audit/consents/${id}/clip" aria-label="${t('clip')}"></audio>
<p><a id="download" href="/audit/consents/${id}/clip?download=1">${t('download')}</a></p>`;
  if (d.clip?.cipher_sha256 || d.clip?.plain_sha256) clipHtml += clipHashes(v, d.clip);
  const chainOk = d.chain.ok && d.chain.callEventsLinked;
  return `${facts}
<p><a id="export" href="/audit/consents/${id}/export">${t('export')}</a> · <a id="call-page" href="/audit/calls/${encodeURIComponent(c.callSid)}">${e(v.w('callPage'))}</a></p>
<h2>${t('clip')}</h2>${clipHtml}
<h2>${t('chain')}</h2><p id="chain" class="${chainOk ? 'ok' : 'error'}">${chainOk ? t('chainOk') : t('chainBroken')} (${d.chain.checked}; ${e(d.chain.detail)})</p>
<h2>${e(v.w('noticeHeard'))}</h2>${
    call && call.notices.some((n) => n.id === c.noticeId)
      ? noticesSection(
          v,
          call.notices.filter((n) => n.id === c.noticeId),
          call.call.country,
        )
      : noticesSection(
          v,
          d.notice
            ? [
                {
                  id: d.notice.id,
                  locale: d.notice.locale,
                  content: d.notice.content,
                  at: c.createdAt,
                  played: 'complete',
                },
              ]
            : [],
          d.call?.country ?? null,
        )
  }
<h2>${e(v.w('timeline'))}</h2>${timelineSection(v, d.timeline, call?.fullReasons ?? new Map())}
<h2>${e(v.w('handover'))}</h2>${handoverSection(v, call?.handover ?? null)}
<h2>${e(v.w('history'))}</h2>${historySection(v, call?.history ?? [])}`;
}

/** The search form over every call, with a hint of what to enter when nothing was given. */
export function searchPage(
  v: DeskView,
  t: T,
  q: SearchQuery,
  reason: string,
  result: CallSearchResult | null,
  facets: { languages: string[]; purposes: string[] },
  notes: string[],
): string {
  const any: [string, string] = ['', t('any')];
  const form = `<p>${t('currentReason')}: <em>${e(reason)}</em> (<a href="/audit/reason">${e(v.w('changeReason'))}</a>)</p>
<form method="get" action="/audit/consents" class="grid" role="search" aria-label="${e(v.w('searchTitle'))}">
<div>${field('number', t('number'), { type: 'tel', value: q.number, autocomplete: 'off' })}</div>
<div>${field('consentId', t('consentId'), { value: q.consentId })}</div>
<div>${field('callSid', t('callSid'), { value: q.callSid })}</div>
<div>${field('from', t('from'), { type: 'date', value: q.from ?? '' })}</div>
<div>${field('to', t('to'), { type: 'date', value: q.to ?? '' })}</div>
<div>${select('outcome', v.w('outcomeFilter'), [any, ...OUTCOME_FILTERS.map((o): [string, string] => [o, outcomeWords(v.lang, o)])], q.outcome ?? '')}</div>
<div>${select('status', t('status'), [any, ['active', 'active'], ['declined', 'declined'], ['withdrawn', 'withdrawn'], ['expired', 'expired']], q.status ?? '')}</div>
<div>${select('purpose', t('purpose'), [any, ...facets.purposes.map((p): [string, string] => [p, v.purposeName(p)])], q.purpose ?? '')}</div>
<div>${select('language', t('language'), [any, ...facets.languages.map((l): [string, string] => [l, l])], q.language ?? '')}</div>
<div><button type="submit">${t('find')}</button></div></form>
${notes.map((n) => `<p class="hint" role="status">${e(n)}</p>`).join('')}`;
  if (!result) return form;
  const params = new URLSearchParams(
    Object.entries(q).filter((kv): kv is [string, string] => typeof kv[1] === 'string' && kv[1] !== ''),
  );
  const pageLink = (n: number, label: string): string => {
    params.set('page', String(n));
    return `<a href="/audit/consents?${e(params.toString())}">${e(label)}</a>`;
  };
  const rows = result.rows
    .map((r) => {
      const outcome = [
        outcomeWords(v.lang, r.outcome),
        ...(r.minor ? [outcomeWords(v.lang, 'minor')] : []),
        ...(r.handedToHuman ? [outcomeWords(v.lang, 'human')] : []),
      ].join('; ');
      return `<tr><td>${callLink(r.callSid, formatShort(r.callSid))}</td><td>${timeTag(r.startedAt, v.clock)}</td><td>${e(r.caller ?? '—')}</td><td>${e(r.language)}</td><td>${e(outcome)}</td><td>${
        r.consentId ? `${consentLink(r.consentId)} (${e(r.consentStatus ?? '')})` : '—'
      }</td><td>${e(purposesList(v, r.purposes))}</td></tr>`;
    })
    .join('');
  return `${form}<h2 id="results">${e(v.w('results'))} (${result.total})</h2>${
    result.rows.length === 0
      ? `<p>${t('none')}</p>`
      : `<table aria-labelledby="results"><thead><tr><th scope="col">${e(v.w('callCol'))}</th><th scope="col">${e(v.w('started'))}</th><th scope="col">${t('caller')}</th><th scope="col">${t('language')}</th><th scope="col">${e(v.w('outcome'))}</th><th scope="col">${e(v.w('consentCol'))}</th><th scope="col">${t('purposes')}</th></tr></thead><tbody>${rows}</tbody></table>`
  }<p>${t('page')} ${result.page} / ${result.pages} ${result.page > 1 ? pageLink(result.page - 1, t('prev')) : ''} ${result.page < result.pages ? pageLink(result.page + 1, t('next')) : ''}</p>`;
}

const formatShort = (sid: string): string => (sid.length > 14 ? `${sid.slice(0, 14)}…` : sid);
