import { escapeHtml as e, type Lang } from './html';

/**
 * Times as auditors read them: in the portal's time zone (PORTAL_TIME_ZONE), with the exact UTC
 * instant in the element's datetime and on hover, so nothing is lost to the conversion.
 */
export interface PortalClock {
  zone: string;
  lang: Lang;
}

const locale = (lang: Lang): string => (lang === 'de' ? 'de-DE' : 'en-GB');

export function formatDateTime(iso: string, c: PortalClock): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(c.lang), {
    timeZone: c.zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(d);
}

export function formatClockTime(iso: string, c: PortalClock): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(c.lang), {
    timeZone: c.zone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** `<time>` with the portal-zone text, the UTC instant as datetime and as its hover title. */
export function timeTag(iso: string | null, c: PortalClock, only: 'datetime' | 'time' = 'datetime'): string {
  if (!iso) return '—';
  const text = only === 'time' ? formatClockTime(iso, c) : formatDateTime(iso, c);
  return `<time datetime="${e(iso)}" title="${e(iso.replace('T', ' ').replace('Z', ' UTC'))}">${e(text)}</time>`;
}

/** "4 s", "1 min 5 s", "2 h 3 min": the time between two steps of a call. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
