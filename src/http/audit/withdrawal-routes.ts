import { escapeHtml as e } from '../../audit/html';
import { unattestedWithdrawals } from '../../audit/withdrawals';
import type { PortalKit } from './kit';

const TEXT = {
  en: {
    title: 'Withdrawals from unverified numbers',
    intro: (n: number) =>
      `${n} withdrawal(s) by key 0 came from a caller ID the network did not fully attest (SHAKEN/STIR below level A): the number may have been spoofed. Contact the customer before relying on it.`,
    at: 'When',
    attestation: 'Attestation',
    call: 'Call',
    consents: 'Consents withdrawn',
  },
  de: {
    title: 'Widerrufe von unbestätigten Nummern',
    intro: (n: number) =>
      `${n} Widerruf(e) mit Taste 0 kamen von einer Rufnummer, die das Netz nicht voll bestätigt hat (SHAKEN/STIR unter Stufe A): die Nummer kann gefälscht sein. Bitte den Kunden kontaktieren.`,
    at: 'Wann',
    attestation: 'Bestätigung',
    call: 'Anruf',
    consents: 'Widerrufene Einwilligungen',
  },
} as const;

/** Key-0 withdrawals by unattested caller IDs: consent and call IDs only, each linking to its page. */
export function mountWithdrawalRoutes(kit: PortalKit): void {
  kit.both('get', '/withdrawals', 'searchConsents', (_req, res, c) => {
    const list = unattestedWithdrawals(kit.ledger);
    if (c.p.api) return res.json({ unattested: list });
    const t = TEXT[c.lang];
    const rows = list
      .map(
        (w) =>
          `<tr><td>${e(w.at)}</td><td>${e(w.attestation)}</td><td><code>${e(w.callSid)}</code></td><td>${w.consents
            .map((id) => `<a href="/audit/consents/${encodeURIComponent(id)}"><code>${e(id)}</code></a>`)
            .join(' ')}</td></tr>`,
      )
      .join('');
    kit.page(
      res,
      c,
      200,
      t.title,
      `<p>${e(t.intro(list.length))}</p>
<table id="unattested-withdrawals"><thead><tr><th>${t.at}</th><th>${t.attestation}</th><th>${t.call}</th><th>${t.consents}</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  });
}
