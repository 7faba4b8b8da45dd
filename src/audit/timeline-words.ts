import type { Lang } from './html';

/**
 * A call's ledger events as sentences an auditor reads in an inquiry ("Disclosure played to the
 * end (de)", "Answered 1 by keypad: consent to processing of this call"), in the portal's
 * language, with purpose names from the operator's texts. Events this file does not know are
 * still shown, by their type, so a new kind of event never disappears from the page.
 */
export interface TimelineEvent {
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

/** What kind of step an entry is: the SVG colours and the reader's eye group by it. */
export type StepKind = 'call' | 'notice' | 'answer' | 'decision' | 'handover' | 'evidence' | 'other';

export interface TimelineEntry {
  seq: number;
  at: string;
  kind: StepKind;
  text: string;
  /** Why the answer counted as it did (the intent classifier's reason), where one was recorded. */
  why: string | null;
  /** Milliseconds since the previous shown entry (null for the first). */
  sincePrevious: number | null;
  /** The events this entry stands for (an answer and the decision it made are one line). */
  events: TimelineEvent[];
}

export interface WordsContext {
  lang: Lang;
  purposeName: (id: string) => string;
}

type Phrases = Record<string, (d: Record<string, unknown>, c: WordsContext) => string>;

const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const EN_INTENT: Record<string, string> = {
  yes: 'yes',
  no: 'no',
  info: 'asked for more information',
  withdraw: 'withdraw every consent',
  agent: 'asked for a person',
  minor: 'said they are under the age of consent',
  language: 'asked for the language menu',
  unclear: 'not understood',
  sms: 'asked for the privacy page by SMS',
};
const DE_INTENT: Record<string, string> = {
  yes: 'ja',
  no: 'nein',
  info: 'weitere Informationen verlangt',
  withdraw: 'alle Einwilligungen widerrufen',
  agent: 'einen Menschen verlangt',
  minor: 'gibt an, unter dem Einwilligungsalter zu sein',
  language: 'Sprachmenü verlangt',
  unclear: 'nicht verstanden',
  sms: 'Datenschutzseite per SMS verlangt',
};

function purposesWords(d: Record<string, unknown>, c: WordsContext): string {
  const p = d.purposes;
  if (!p || typeof p !== 'object') return '';
  const yes = c.lang === 'de' ? 'erteilt' : 'granted';
  const no = c.lang === 'de' ? 'abgelehnt' : 'refused';
  return Object.entries(p as Record<string, unknown>)
    .map(([id, v]) => `${c.purposeName(id)}: ${v === true ? yes : no}`)
    .join(', ');
}

const EN: Phrases = {
  call_started: (d) => `Call came in (${s(d.locale)}${d.country ? `, caller country ${s(d.country)}` : ''})`,
  disclosed: (d) =>
    d.played === 'language_switch'
      ? `Disclosure played again after the language change (${s(d.locale)})`
      : `Disclosure played to the end${d.locale ? ` (${s(d.locale)})` : ''}`,
  recording_requested: () => 'Recording of the consent sequence started',
  recording_stop_requested: () => 'Recording stopped',
  info_requested: (d, c) => `Asked for more information at the question on ${c.purposeName(s(d.question))}`,
  reprompted: (d, c) => `Question on ${c.purposeName(s(d.question))} asked again (miss ${s(d.miss)})`,
  no_answer: (d, c) => `No clear answer to the question on ${c.purposeName(s(d.question))}`,
  granted: (d, c) =>
    d.purpose ? `Consent to ${c.purposeName(s(d.purpose))}` : `Consent given (${purposesWords(d, c)})`,
  declined: (d, c) =>
    d.purpose ? `No consent to ${c.purposeName(s(d.purpose))}` : `Consent refused (${purposesWords(d, c)})`,
  withdrawn: (d) =>
    `Withdrawal of every consent of this number${Array.isArray(d.consents) ? ` (${d.consents.length} consent(s))` : ''}`,
  minor_declared: () => 'Caller said they are under the age of consent; this call’s consent does not count',
  language_menu: () => 'Language menu played',
  language_changed: (d) => `Language changed from ${s(d.from)} to ${s(d.to)}`,
  sms_requested: () => 'Privacy page requested by SMS',
  privacy_sms_queued: () => 'SMS with the privacy page queued',
  sms_sent: () => 'SMS with the privacy page sent',
  sms_not_sent: (d) => `SMS not sent (${s(d.reason)})`,
  handover: (d) =>
    d.to === 'assistant'
      ? 'Handed to the AI assistant (consent holds)'
      : `Handed to a person (${s(d.reason).replace(/_/g, ' ')}; ${d.consentHolds ? 'consent holds' : 'no consent holds'})`,
  fail_safe: (d) => `A step could not be served (${s(d.route)}): recording stopped, handed to a person`,
  abandoned: () => 'Caller hung up before deciding',
  call_ended: (d) => `Call ended${d.duration ? ` after ${s(d.duration)} s` : ''}`,
  recording_completed: (d) => `Twilio’s recording finished (${s(d.duration)} s)`,
  recording_absent: () => 'Twilio made no recording',
  clip_processing: () => 'Consent clip being cut and encrypted',
  clip_stored: () => 'Consent clip stored encrypted',
  clip_not_kept: (d) => `No clip kept (${s(d.reason)})`,
  clip_failed: () => 'Cutting the consent clip failed',
  clip_deleted: () => 'Consent clip deleted',
  recording_deleted: () => 'Twilio’s copy of the recording deleted',
  recording_swept: (d) => `Leftover Twilio recording found (${s(d.action)})`,
  expired: () => 'Retention period elapsed: consent expired',
  purpose_expired: (d, c) => `Retention of some purposes elapsed (${purposesWords(d, c)})`,
  deletion_completed: () => 'Deletion certified',
  erased: () => 'Caller’s data erased (Art. 17)',
};

const DE: Phrases = {
  call_started: (d) => `Anruf eingegangen (${s(d.locale)}${d.country ? `, Land ${s(d.country)}` : ''})`,
  disclosed: (d) =>
    d.played === 'language_switch'
      ? `Hinweis nach dem Sprachwechsel erneut abgespielt (${s(d.locale)})`
      : `Hinweis bis zum Ende abgespielt${d.locale ? ` (${s(d.locale)})` : ''}`,
  recording_requested: () => 'Aufnahme der Einwilligung gestartet',
  recording_stop_requested: () => 'Aufnahme beendet',
  info_requested: (d, c) => `Weitere Informationen verlangt bei der Frage zu ${c.purposeName(s(d.question))}`,
  reprompted: (d, c) => `Frage zu ${c.purposeName(s(d.question))} wiederholt (Fehlversuch ${s(d.miss)})`,
  no_answer: (d, c) => `Keine klare Antwort auf die Frage zu ${c.purposeName(s(d.question))}`,
  granted: (d, c) =>
    d.purpose
      ? `Einwilligung in ${c.purposeName(s(d.purpose))}`
      : `Einwilligung erteilt (${purposesWords(d, c)})`,
  declined: (d, c) =>
    d.purpose
      ? `Keine Einwilligung in ${c.purposeName(s(d.purpose))}`
      : `Einwilligung abgelehnt (${purposesWords(d, c)})`,
  withdrawn: (d) =>
    `Widerruf aller Einwilligungen dieser Nummer${Array.isArray(d.consents) ? ` (${d.consents.length})` : ''}`,
  minor_declared: () => 'Anrufer gibt an, unter dem Einwilligungsalter zu sein; die Einwilligung zählt nicht',
  language_menu: () => 'Sprachmenü abgespielt',
  language_changed: (d) => `Sprache von ${s(d.from)} zu ${s(d.to)} gewechselt`,
  sms_requested: () => 'Datenschutzseite per SMS verlangt',
  privacy_sms_queued: () => 'SMS mit der Datenschutzseite eingereiht',
  sms_sent: () => 'SMS mit der Datenschutzseite gesendet',
  sms_not_sent: (d) => `SMS nicht gesendet (${s(d.reason)})`,
  handover: (d) =>
    d.to === 'assistant'
      ? 'An die KI-Assistenz übergeben (Einwilligung gilt)'
      : `An einen Menschen übergeben (${s(d.reason).replace(/_/g, ' ')}; ${d.consentHolds ? 'Einwilligung gilt' : 'keine Einwilligung'})`,
  fail_safe: (d) =>
    `Ein Schritt war nicht möglich (${s(d.route)}): Aufnahme beendet, an einen Menschen übergeben`,
  abandoned: () => 'Aufgelegt vor einer Entscheidung',
  call_ended: (d) => `Anruf beendet${d.duration ? ` nach ${s(d.duration)} s` : ''}`,
  recording_completed: (d) => `Twilio-Aufnahme abgeschlossen (${s(d.duration)} s)`,
  recording_absent: () => 'Twilio hat keine Aufnahme erstellt',
  clip_processing: () => 'Einwilligungs-Ausschnitt wird geschnitten und verschlüsselt',
  clip_stored: () => 'Einwilligungs-Ausschnitt verschlüsselt gespeichert',
  clip_not_kept: (d) => `Kein Ausschnitt aufbewahrt (${s(d.reason)})`,
  clip_failed: () => 'Schneiden des Ausschnitts fehlgeschlagen',
  clip_deleted: () => 'Einwilligungs-Ausschnitt gelöscht',
  recording_deleted: () => 'Twilio-Kopie der Aufnahme gelöscht',
  recording_swept: (d) => `Übrig gebliebene Twilio-Aufnahme gefunden (${s(d.action)})`,
  expired: () => 'Aufbewahrungsfrist abgelaufen: Einwilligung erloschen',
  purpose_expired: (d, c) => `Frist einzelner Zwecke abgelaufen (${purposesWords(d, c)})`,
  deletion_completed: () => 'Löschung bescheinigt',
  erased: () => 'Daten des Anrufers gelöscht (Art. 17)',
};

const KIND: Record<string, StepKind> = {
  call_started: 'call',
  call_ended: 'call',
  abandoned: 'call',
  disclosed: 'notice',
  info_requested: 'notice',
  language_menu: 'notice',
  language_changed: 'notice',
  reprompted: 'answer',
  no_answer: 'answer',
  answer: 'answer',
  granted: 'decision',
  declined: 'decision',
  withdrawn: 'decision',
  minor_declared: 'decision',
  expired: 'decision',
  handover: 'handover',
  fail_safe: 'handover',
};

/** "Answered 1 by keypad: consent to processing of this call", with the decision it made folded in. */
function answerText(answer: TimelineEvent, decision: TimelineEvent | undefined, c: WordsContext): string {
  const d = answer.data;
  const de = c.lang === 'de';
  const digit = /^key (\S+) means/.exec(s(d.reason))?.[1] ?? null;
  const how =
    d.via === 'dtmf'
      ? de
        ? `Mit Taste ${digit ?? '?'} geantwortet`
        : `Answered ${digit ?? '?'} by keypad`
      : d.via === 'speech'
        ? de
          ? 'Mit Sprache geantwortet'
          : 'Answered by voice'
        : de
          ? 'Keine Eingabe (Stille)'
          : 'No key and no speech (silence)';
  let meaning = (de ? DE_INTENT : EN_INTENT)[s(d.intent)] ?? s(d.intent);
  if (decision) meaning = (de ? DE : EN)[decision.type]?.(decision.data, c) ?? meaning;
  // English sentences go on in lower case; German nouns keep their capital.
  if (decision && !de) meaning = meaning.charAt(0).toLowerCase() + meaning.slice(1);
  return d.via === 'none' ? how : `${how}: ${meaning}`;
}

/** The classifier's reason for a speech or keypad answer, with its recognition confidence. */
function whyOf(answer: TimelineEvent, fullReason: string | null, lang: Lang): string | null {
  const reason = fullReason ?? s(answer.data.reason);
  if (!reason) return null;
  const conf = typeof answer.data.confidence === 'number' ? answer.data.confidence : null;
  const confWord = lang === 'de' ? 'Erkennungssicherheit' : 'recognition confidence';
  return conf === null ? reason : `${reason} (${confWord} ${conf.toFixed(2)})`;
}

export function describeEvent(ev: TimelineEvent, c: WordsContext): string {
  const phrase = (c.lang === 'de' ? DE : EN)[ev.type];
  return phrase ? phrase(ev.data, c) : ev.type.replace(/_/g, ' ');
}

/**
 * The call's events as timeline entries, in ledger order. An `answer` and the granted/declined it
 * decided are one entry. `fullReasons` maps an answer's seq to its unredacted classifier reason
 * (sealed with the caller's key; absent once erased).
 */
export function timelineEntries(
  events: readonly TimelineEvent[],
  c: WordsContext,
  fullReasons: ReadonlyMap<number, string> = new Map(),
): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (!ev) continue;
    let entry: Omit<TimelineEntry, 'sincePrevious'>;
    if (ev.type === 'answer') {
      const next = events[i + 1];
      const decision =
        next && (next.type === 'granted' || next.type === 'declined') && next.at === ev.at ? next : undefined;
      if (decision) i++;
      entry = {
        seq: ev.seq,
        at: ev.at,
        kind: decision ? 'decision' : 'answer',
        text: answerText(ev, decision, c),
        why: whyOf(ev, fullReasons.get(ev.seq) ?? null, c.lang),
        events: decision ? [ev, decision] : [ev],
      };
    } else {
      entry = {
        seq: ev.seq,
        at: ev.at,
        kind:
          KIND[ev.type] ??
          (ev.type.startsWith('clip_') || ev.type.startsWith('recording_') ? 'evidence' : 'other'),
        text: describeEvent(ev, c),
        why: null,
        events: [ev],
      };
    }
    const prev = out[out.length - 1];
    out.push({ ...entry, sincePrevious: prev ? Date.parse(entry.at) - Date.parse(prev.at) : null });
  }
  return out;
}
