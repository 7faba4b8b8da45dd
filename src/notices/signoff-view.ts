import type { TextDiff } from '../audit/notices';
import { csrfField, escapeHtml as e, type Lang } from '../audit/html';
import type { NoticeStatus } from './notice-set';
import type { AudioSide, DraftReview, SignoffModel } from './signoff';

/** The sign-off page: the live version, then each draft with what changed per language. */

const EN = {
  playing: 'Callers now hear',
  live: 'Live version',
  noLive: 'No version has been approved yet.',
  drafts: 'Drafts awaiting sign-off',
  noDrafts: 'No drafts: callers hear the live version.',
  created: 'created',
  approvedBy: 'approved by',
  key: 'Text',
  change: 'Change (removed struck through, added underlined)',
  recordings: 'Recorded prompts',
  before: 'Live',
  after: 'Draft',
  approve: 'Approve this version',
  approveHelp: 'It plays to callers as soon as it is approved. The approval is recorded in the ledger.',
  noChange: 'No text differs in this language.',
  reload: 'Read the texts again',
  reloadHelp:
    'Reads locales/ and the operator file again; a valid change becomes a new draft, a broken file keeps the old texts.',
  lastReload: 'Last reload',
  refused: 'refused',
  ok: 'ok',
  cannotApprove: 'Your role cannot approve notice versions.',
  gateFailed: 'A wording variant fails the compliance gate:',
  gateRefused: 'This version cannot be approved until its variants pass the compliance gate.',
  seconds: 's',
  none: 'none',
};
type Words = Record<keyof typeof EN, string>;
const DE: Words = {
  playing: 'Anrufende hören jetzt',
  live: 'Gültige Version',
  noLive: 'Noch keine Version freigegeben.',
  drafts: 'Entwürfe, die auf Freigabe warten',
  noDrafts: 'Keine Entwürfe: Anrufende hören die gültige Version.',
  created: 'erstellt',
  approvedBy: 'freigegeben von',
  key: 'Text',
  change: 'Änderung (Entferntes durchgestrichen, Neues unterstrichen)',
  recordings: 'Aufgenommene Ansagen',
  before: 'Gültig',
  after: 'Entwurf',
  approve: 'Diese Version freigeben',
  approveHelp: 'Sie wird ab der Freigabe abgespielt. Die Freigabe wird im Ledger festgehalten.',
  noChange: 'In dieser Sprache unterscheidet sich kein Text.',
  reload: 'Texte neu einlesen',
  reloadHelp:
    'Liest locales/ und die Betreiberdatei neu; eine gültige Änderung wird ein neuer Entwurf, eine fehlerhafte Datei lässt die alten Texte stehen.',
  lastReload: 'Letztes Einlesen',
  refused: 'abgelehnt',
  ok: 'ok',
  cannotApprove: 'Ihre Rolle darf Ansageversionen nicht freigeben.',
  gateFailed: 'Eine Formulierungsvariante besteht die Compliance-Prüfung nicht:',
  gateRefused:
    'Diese Version kann erst freigegeben werden, wenn ihre Varianten die Compliance-Prüfung bestehen.',
  seconds: 's',
  none: 'keine',
};
const TEXT: Record<Lang, Words> = { en: EN, de: DE };

const STYLE =
  '<style>del{background:#fdd;color:#600}ins{background:#dfd;color:#040}.draft{border-top:2px solid #1a2b4c;margin-top:1.5rem}</style>';

const short = (id: string): string => id.slice(0, 12);

function diffCell(d: TextDiff): string {
  return d.parts
    .map((p) =>
      p.change === 'removed'
        ? `<del>${e(p.text)}</del>`
        : p.change === 'added'
          ? `<ins>${e(p.text)}</ins>`
          : e(p.text),
    )
    .join('');
}

function audioCell(a: AudioSide | null, w: Words): string {
  if (!a) return w.none;
  return `<code>${e(a.path)}</code><br>sha256 ${e(a.sha256.slice(0, 16))}…${a.seconds === null ? '' : `, ${a.seconds} ${w.seconds}`}`;
}

function draftSection(
  d: DraftReview,
  w: Words,
  csrf: string,
  mayApprove: boolean,
  extra: string,
  refused: boolean,
): string {
  const id = d.version.id;
  const perLocale = d.locales
    .map((lng) => {
      const texts = d.texts.filter((t) => t.locale === lng);
      const audio = d.audio.filter((a) => a.locale === lng);
      return `<h4 lang="${e(lng)}">${e(lng)}</h4>
${texts.length ? `<table><thead><tr><th scope="col">${w.key}</th><th scope="col">${w.change}</th></tr></thead><tbody>${texts.map((t) => `<tr><th scope="row"><code>${e(t.key)}</code></th><td lang="${e(lng)}">${diffCell(t)}</td></tr>`).join('')}</tbody></table>` : ''}
${audio.length ? `<table><caption>${w.recordings}</caption><thead><tr><th scope="col">${w.key}</th><th scope="col">${w.before}</th><th scope="col">${w.after}</th></tr></thead><tbody>${audio.map((a) => `<tr><th scope="row"><code>${e(a.key)}</code></th><td>${audioCell(a.live, w)}</td><td>${audioCell(a.draft, w)}</td></tr>`).join('')}</tbody></table>` : ''}`;
    })
    .join('');
  const approve = mayApprove
    ? `<form method="post" action="/audit/notices/${e(id)}/approve">${csrfField(csrf)}<p>${w.approveHelp}</p><button type="submit">${w.approve} ${e(short(id))}</button></form>`
    : `<p>${refused ? w.gateRefused : w.cannotApprove}</p>`;
  return `<section class="draft" aria-labelledby="v-${e(id)}"><h3 id="v-${e(id)}">${e(short(id))} <small>(${w.created} ${e(d.version.createdAt)})</small></h3>
${extra}${d.locales.length ? perLocale : `<p>${w.noChange}</p>`}${approve}</section>`;
}

export function signoffPage(
  lang: Lang,
  model: SignoffModel,
  status: NoticeStatus | null,
  opts: {
    csrf: string;
    mayApprove: boolean;
    mayReload: boolean;
    /** The compliance gate's findings per draft: a draft with any is not approvable. */
    gate?: (d: DraftReview) => string[];
    error?: string;
  },
): string {
  const w = TEXT[lang];
  const live = model.live
    ? `<p>${w.live}: <strong>${e(short(model.live.id))}</strong>, ${w.approvedBy} ${e(model.live.approvedBy ?? '')} (${e(model.live.approvedAt ?? '')})</p>`
    : `<p>${w.noLive}</p>`;
  const playing = status
    ? `<p id="notice-status">${w.playing}: <strong>${e(status.playing ? short(status.playing) : w.none)}</strong> (${e(status.mode)})${status.problem ? ` – ${e(status.problem)}` : ''}</p>`
    : '';
  const reload = opts.mayReload
    ? `<form method="post" action="/audit/notices/reload">${csrfField(opts.csrf)}<p>${w.reloadHelp}</p><button type="submit">${w.reload}</button></form>${
        status?.reload
          ? `<p id="reload-result">${w.lastReload} ${e(status.reload.at)}: ${status.reload.ok ? w.ok : `<span class="error">${w.refused}</span>`}</p>${status.reload.problems.length ? `<ul>${status.reload.problems.map((p) => `<li><code>${e(p)}</code></li>`).join('')}</ul>` : ''}`
          : ''
      }`
    : '';
  const drafts = model.drafts.length
    ? model.drafts
        .map((d) => {
          const found = opts.gate?.(d) ?? [];
          const gate = found.length
            ? `<div class="gate" role="alert"><p class="error">${w.gateFailed}</p><ul>${found.map((f) => `<li>${e(f)}</li>`).join('')}</ul></div>`
            : '';
          return draftSection(d, w, opts.csrf, opts.mayApprove && found.length === 0, gate, found.length > 0);
        })
        .join('')
    : `<p>${w.noDrafts}</p>`;
  return `${STYLE}${opts.error ? `<p class="error" role="alert">${e(opts.error)}</p>` : ''}${playing}${live}${reload}<h2>${w.drafts}</h2>${drafts}`;
}
