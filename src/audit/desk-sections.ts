import type { CallDetail, HeardNotice, HistoryItem } from './call-detail';
import type { DeskT } from './desk-words';
import { escapeHtml as e, type Lang } from './html';
import { noticeHtml, parseNotice, type NoticeTexts } from './notice-layers';
import { formatDuration, timeTag, type PortalClock } from './portal-time';
import { timelineSvg, KIND_COLOURS } from './timeline-svg';
import { timelineEntries, type TimelineEvent } from './timeline-words';

/** What every section of the call and consent pages is rendered with. */
export interface DeskView {
  lang: Lang;
  w: DeskT;
  clock: PortalClock;
  /** A purpose's name in the portal's language, from the operator's texts. */
  purposeName: (id: string) => string;
  texts: NoticeTexts;
}

export const purposesList = (v: DeskView, p: Record<string, boolean>): string =>
  Object.entries(p)
    .map(([id, granted]) => `${v.purposeName(id)}: ${granted ? v.w('granted') : v.w('refused')}`)
    .join(', ') || '—';

/** Labelled two-column table (a header cell per row). */
export const factTable = (rows: Array<[string, string]>, id?: string): string =>
  `<table class="facts"${id ? ` id="${id}"` : ''}><tbody>${rows
    .map(([k, html]) => `<tr><th scope="row">${e(k)}</th><td>${html}</td></tr>`)
    .join('')}</tbody></table>`;

export function noticesSection(v: DeskView, notices: readonly HeardNotice[], country: string | null): string {
  if (notices.length === 0) return `<p>${e(v.w('noNotice'))}</p>`;
  return notices
    .map((n, i) => {
      const parsed = parseNotice(n.content, n.locale, (lng, key, purpose) =>
        v.texts.text(lng, key, purpose, country),
      );
      const note =
        n.played === 'started'
          ? `<p class="error">${e(v.w('playedStarted'))}</p>`
          : n.played === 'language_switch'
            ? `<p>${e(v.w('playedSwitch'))}</p>`
            : '';
      return `<section aria-label="${e(`${v.w('noticeHeard')} ${i + 1}`)}">${note}<p>${timeTag(n.at, v.clock)}</p>${noticeHtml(
        parsed,
        n.id,
        v.lang,
        {
          purposeName: (id) => v.texts.purposeName(parsed.locale, id),
          translate: (layer) =>
            layer.key === 'notice' ? null : v.texts.text(v.lang, layer.key, layer.purpose, country),
          idPrefix: `notice${i + 1}`,
        },
      )}</section>`;
    })
    .join('');
}

/**
 * The timeline in words and time: an SVG picture (no script), the table of the same steps beside
 * it (what screen readers read), and the raw ledger events behind a toggle.
 */
export function timelineSection(
  v: DeskView,
  events: ReadonlyArray<TimelineEvent & { hash?: string }>,
  fullReasons: ReadonlyMap<number, string>,
): string {
  const entries = timelineEntries(events, { lang: v.lang, purposeName: v.purposeName }, fullReasons);
  const rows = entries
    .map(
      (x, i) =>
        `<tr><td>${i + 1}</td><td>${timeTag(x.at, v.clock, 'time')}</td><td><span class="dot" style="background:${KIND_COLOURS[x.kind]}" aria-hidden="true"></span> ${e(x.text)}${
          x.why ? `<br><small>${e(v.w('why'))}: ${e(x.why)}</small>` : ''
        }</td><td>${x.sincePrevious === null || x.sincePrevious < 0 ? '—' : `+${e(formatDuration(x.sincePrevious))}`}</td></tr>`,
    )
    .join('');
  const raw = events.map((ev) => ({ seq: ev.seq, at: ev.at, type: ev.type, data: ev.data, hash: ev.hash }));
  return `${timelineSvg(entries, v.w('timelineSvg'))}
<table class="timeline-table"><caption>${e(v.w('timeline'))} (${e(v.w('timesIn'))} ${e(v.clock.zone)}; ${e(v.w('hoverUtc'))})</caption>
<thead><tr><th scope="col">#</th><th scope="col">${e(v.w('time'))}</th><th scope="col">${e(v.w('step'))}</th><th scope="col">${e(v.w('since'))}</th></tr></thead><tbody>${rows}</tbody></table>
<details><summary>${e(v.w('raw'))}</summary><pre>${e(JSON.stringify(raw, null, 2))}</pre></details>`;
}

export function historySection(v: DeskView, history: readonly HistoryItem[]): string {
  if (history.length === 0) return `<p>${e(v.w('noHistory'))}</p>`;
  const what = (h: HistoryItem): string =>
    h.purpose ? e(v.purposeName(h.purpose)) : h.purposes ? e(purposesList(v, h.purposes)) : '—';
  return `<table><thead><tr><th scope="col">${e(v.w('time'))}</th><th scope="col">${e(v.w('decision'))}</th><th scope="col">${e(v.w('purposeCol'))}</th><th scope="col">${e(v.w('consentCol'))}</th><th scope="col">${e(v.w('callCol'))}</th></tr></thead><tbody>${history
    .map(
      (h) =>
        `<tr><td>${timeTag(h.at, v.clock)}</td><td>${e(h.type.replace(/_/g, ' '))}</td><td>${what(h)}</td><td>${
          h.consentId
            ? `<a href="/audit/consents/${encodeURIComponent(h.consentId)}">${e(h.consentId)}</a>`
            : '—'
        }</td><td>${h.callSid ? `<a href="/audit/calls/${encodeURIComponent(h.callSid)}" title="${e(h.callSid)}">${e(h.callSid.slice(0, 12))}…</a>` : '—'}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function handoverSection(v: DeskView, h: CallDetail['handover']): string {
  if (!h) return `<p>${e(v.w('noHandover'))}</p>`;
  return factTable(
    [
      [v.w('time'), timeTag(h.at, v.clock)],
      [v.w('handoverTo'), e(h.to)],
      [v.w('handoverReason'), e(h.reason.replace(/_/g, ' '))],
      [v.w('consentHolds'), e(h.consentHolds ? v.w('yes') : v.w('no'))],
      ...(h.consentToken ? [[v.w('consentToken'), tokenHtml(h.consentToken)] as [string, string]] : []),
    ],
    'handover',
  );
}

/** A consent token: what it says in a line, the token itself (what the agent's system got) behind a toggle. */
function tokenHtml(token: string): string {
  let said: string;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
      status?: unknown;
      purposes?: Record<string, unknown>;
    };
    const purposes = Object.entries(claims.purposes ?? {})
      .map(([p, on]) => `${p}: ${on === true ? 'yes' : 'no'}`)
      .join(', ');
    said = `${String(claims.status)} · ${String(claims.sub)}${purposes ? ` · ${purposes}` : ''}`;
  } catch {
    said = 'unreadable';
  }
  return `<details><summary>${e(said)}</summary><code id="handover-token" style="word-break:break-all">${e(token)}</code></details>`;
}

/** Both hashes of a clip, each saying what it is the hash of. */
export function clipHashes(
  v: { w: DeskT },
  clip: { cipher_sha256: string | null; plain_sha256: string | null },
): string {
  return factTable([
    [v.w('clipCipher'), `<code class="hash">${e(clip.cipher_sha256 ?? '—')}</code>`],
    [v.w('clipPlain'), `<code class="hash">${e(clip.plain_sha256 ?? '—')}</code>`],
  ]);
}
