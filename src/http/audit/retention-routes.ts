import { escapeHtml as e } from '../../audit/html';
import { expiringBefore } from '../../lifecycle/retention-sweep';
import type { PortalKit } from './kit';

const LOOK_AHEAD_DAYS = 30;

const TEXT = {
  en: {
    title: 'Expiring in the next 30 days',
    intro: (n: number) =>
      `${n} consent(s) will expire within ${LOOK_AHEAD_DAYS} days, when the retention of their last granted purpose ends. Their recordings are then deleted.`,
    consent: 'Consent',
    given: 'Given',
    expires: 'Expires',
    schedule: 'Retention per purpose',
    days: 'days',
  },
  de: {
    title: 'Läuft in den nächsten 30 Tagen ab',
    intro: (n: number) =>
      `${n} Einwilligung(en) laufen innerhalb von ${LOOK_AHEAD_DAYS} Tagen ab, wenn die Speicherfrist ihres letzten erteilten Zwecks endet. Ihre Aufzeichnungen werden dann gelöscht.`,
    consent: 'Einwilligung',
    given: 'Erteilt',
    expires: 'Läuft ab',
    schedule: 'Speicherfrist je Zweck',
    days: 'Tage',
  },
} as const;

/**
 * What retention will end soon: consent IDs and dates only (no caller data), for auditors and ops
 * alike, so a deletion due next week is no surprise.
 */
export function mountRetentionRoutes(kit: PortalKit): void {
  const { ledger, config, now } = kit;

  kit.both('get', '/retention', 'retentionSchedule', (_req, res, c) => {
    const until = new Date(now().getTime() + LOOK_AHEAD_DAYS * 86_400_000);
    const purposes = config.operator.purposes;
    const expiring = expiringBefore(ledger, purposes, until);
    if (c.p.api)
      return res.json({
        until: until.toISOString(),
        purposes,
        expiring: expiring.map((x) => ({ ...x, expiresAt: x.expiresAt.toISOString() })),
      });
    const t = TEXT[c.lang];
    const rows = expiring
      .map(
        (x) =>
          `<tr><td><code>${e(x.consentId)}</code></td><td>${e(x.createdAt)}</td><td>${e(x.expiresAt.toISOString())}</td></tr>`,
      )
      .join('');
    const schedule = purposes
      .map((p) => `<tr><th scope="row">${e(p.id)}</th><td>${p.retentionDays} ${t.days}</td></tr>`)
      .join('');
    kit.page(
      res,
      c,
      200,
      t.title,
      `<p>${e(t.intro(expiring.length))}</p>
<table><thead><tr><th>${t.consent}</th><th>${t.given}</th><th>${t.expires}</th></tr></thead><tbody>${rows}</tbody></table>
<h2>${t.schedule}</h2><table><tbody>${schedule}</tbody></table>`,
    );
  });
}
