import { escapeHtml as e } from '../../audit/html';
import { certificateSigningKey, deletionCertificate } from '../../lifecycle/certificate';
import { isChannel, withdrawConsents } from '../../lifecycle/withdraw';
import type { JobRow } from '../../ledger';
import { replayCrmDelivery } from '../../outbound/crm-delivery';
import { CRM_JOB, type CrmJobPayload } from '../../outbound/crm-events';
import { outboundOf } from '../../outbound/outbound';
import { str, type PortalKit } from './kit';
import { typedNumber } from '../../privacy/typed-number';

const TEXT = {
  en: {
    withdrawTitle: 'Record a withdrawal',
    withdrawIntro:
      'A withdrawal that reached us by e-mail, phone or letter. It is the same operation as key 0 in a call: the consents end, their recordings are deleted, the CRM is told, and a deletion certificate follows.',
    caller: 'Caller number (as written: +49 151 …, 0151 …)',
    or: 'or consent ID',
    channel: 'Received by',
    channels: { email: 'e-mail', phone: 'phone', letter: 'letter' },
    ticket: 'Reference (ticket number)',
    note: 'Note',
    submit: 'Record withdrawal',
    missing: 'Give the caller number or the consent ID, the channel and the reference.',
    done: (ref: string, n: number) => `Recorded under ${ref}: ${n} consent(s) withdrawn.`,
    nothing: 'No active consent was found for this number or ID; nothing was changed.',
    certificate: 'Deletion certificate',
    crmTitle: 'CRM deliveries',
    replay: 'Replay',
    cols: ['Job', 'Event', 'Webhook id', 'Consent', 'Status', 'Attempts', 'Last error', 'Next attempt', ''],
  },
  de: {
    withdrawTitle: 'Widerruf erfassen',
    withdrawIntro:
      'Ein Widerruf, der per E-Mail, Telefon oder Brief kam. Es ist derselbe Vorgang wie die Taste 0 im Anruf: Die Einwilligungen enden, ihre Aufnahmen werden gelöscht, das CRM erfährt es, ein Löschzertifikat folgt.',
    caller: 'Rufnummer (wie angegeben: +49 151 …, 0151 …)',
    or: 'oder Einwilligungs-ID',
    channel: 'Eingegangen per',
    channels: { email: 'E-Mail', phone: 'Telefon', letter: 'Brief' },
    ticket: 'Vorgangsnummer',
    note: 'Notiz',
    submit: 'Widerruf erfassen',
    missing: 'Geben Sie Rufnummer oder Einwilligungs-ID, den Eingangsweg und die Vorgangsnummer an.',
    done: (ref: string, n: number) => `Erfasst unter ${ref}: ${n} Einwilligung(en) widerrufen.`,
    nothing: 'Zu dieser Nummer oder ID gibt es keine gültige Einwilligung; nichts wurde geändert.',
    certificate: 'Löschzertifikat',
    crmTitle: 'CRM-Zustellungen',
    replay: 'Erneut senden',
    cols: [
      'Job',
      'Ereignis',
      'Webhook-ID',
      'Einwilligung',
      'Stand',
      'Versuche',
      'Letzter Fehler',
      'Nächster Versuch',
      '',
    ],
  },
} as const;

const STAFF_CHANNELS = ['email', 'phone', 'letter'] as const;

/**
 * Withdrawals staff receive outside the call, deletion certificates, and the CRM outbox. Staff
 * (and auditors) record withdrawals without seeing any caller data; admins watch and replay CRM
 * deliveries. Every action is in the access log, the number never.
 */
export function mountLifecycleRoutes(kit: PortalKit): void {
  const { ledger, config, now } = kit;

  const form = (csrf: string, t: (typeof TEXT)[keyof typeof TEXT], message: string | null): string =>
    `<p>${e(t.withdrawIntro)}</p>${message ? `<p class="error" role="alert">${e(message)}</p>` : ''}
<form method="post" action="/audit/record-withdrawal">
<input type="hidden" name="csrf" value="${e(csrf)}">
<label for="caller">${e(t.caller)}</label><input id="caller" name="caller" type="tel" autocomplete="off">
<label for="consentId">${e(t.or)}</label><input id="consentId" name="consentId" pattern="CNS-[0-9]{8}-[0-9A-F]{12}">
<label for="channel">${e(t.channel)}</label><select id="channel" name="channel">${STAFF_CHANNELS.map((ch) => `<option value="${ch}">${e(t.channels[ch])}</option>`).join('')}</select>
<label for="ticket">${e(t.ticket)}</label><input id="ticket" name="ticket" required maxlength="100">
<label for="note">${e(t.note)}</label><textarea id="note" name="note" maxlength="2000"></textarea>
<button type="submit">${e(t.submit)}</button></form>`;

  kit.both('get', '/record-withdrawal', 'recordWithdrawal', (_req, res, c) => {
    // An API client gets what the form asks for, not the form.
    if (c.p.api)
      return res.json({
        channels: STAFF_CHANNELS,
        fields: ['caller', 'consentId', 'channel', 'ticket', 'note'],
      });
    const t = TEXT[c.lang];
    kit.page(res, c, 200, t.withdrawTitle, form(c.p.session?.csrf ?? '', t, null));
  });

  kit.both('post', '/record-withdrawal', 'recordWithdrawal', (req, res, c) => {
    const t = TEXT[c.lang];
    const caller = str(req.body?.caller).trim();
    const consentId = str(req.body?.consentId).trim();
    const channel = str(req.body?.channel);
    const ticket = str(req.body?.ticket).trim().slice(0, 100);
    const note = str(req.body?.note).trim().slice(0, 2000);
    const target = caller
      ? /^\+?[\d\s()\-/]{6,30}$/.test(caller)
      : /^CNS-\d{8}-[0-9A-F]{12}$/.test(consentId);
    if (!target || !isChannel(channel) || channel === 'web' || !ticket) {
      if (c.p.api) return res.status(400).json({ error: t.missing });
      return kit.page(res, c, 400, t.withdrawTitle, form(c.p.session?.csrf ?? '', t, t.missing));
    }
    const result = withdrawConsents(ledger, {
      // As the search reads it: a national number (`0151 …`) in PORTAL_DEFAULT_COUNTRY and the served ones.
      ...(caller ? { caller: typedNumber(ledger, config, caller) } : { consentId }),
      channel,
      ticket,
      note: note || undefined,
      actor: c.p.user.email,
      at: now(),
      outbound: outboundOf(config),
    });
    const ids = result.consents.map((x) => x.consentId);
    kit.audit(res, {
      action: 'withdrawal_recorded',
      consentId: ids.length === 1 ? ids[0] : null,
      detail: {
        channel,
        ticket,
        reference: result.reference,
        consents: ids,
        by: caller ? 'number' : 'consent id',
      },
    });
    kit.deps.onJob?.();
    if (c.p.api) return res.status(201).json({ reference: result.reference, consents: result.consents });
    const links = ids
      .map((id) => `<li><a href="/audit/certificates/${e(id)}">${e(t.certificate)} ${e(id)}</a></li>`)
      .join('');
    kit.page(
      res,
      c,
      ids.length ? 201 : 200,
      t.withdrawTitle,
      `<p role="status" id="reference">${e(ids.length ? t.done(result.reference, ids.length) : t.nothing)}</p><ul>${links}</ul>`,
    );
  });

  kit.both('get', '/certificates/:id', 'readCertificates', (req, res, c) => {
    const id = str(req.params.id);
    const cert = deletionCertificate(ledger, id, certificateSigningKey(ledger));
    if (!cert) return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'view_certificate', consentId: id });
    if (c.p.api) return res.json(cert);
    const rows = cert.items
      .map(
        (i) =>
          `<tr><td>${e(i.system)}</td><td><code>${e(i.object)}</code></td><td>${e(i.action)}</td><td>${e(i.result)}</td><td>${e(i.at ?? '–')}</td></tr>`,
      )
      .join('');
    kit.page(
      res,
      c,
      200,
      `${TEXT[c.lang].certificate} ${id}`,
      `<p id="certificate-status">${e(cert.reason)} · ${e(cert.status)} · ${e(cert.reference)} · ${e(cert.requestedAt)} → ${e(cert.completedAt ?? '…')}</p>
<table><thead><tr><th>system</th><th>object</th><th>action</th><th>result</th><th>at</th></tr></thead><tbody>${rows}</tbody></table>
<details><summary>JSON</summary><pre>${e(JSON.stringify(cert, null, 2))}</pre></details>`,
    );
  });

  kit.both('get', '/crm', 'crmDeliveries', (_req, res, c) => {
    const jobs = ledger
      .sql('SELECT * FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 500')
      .all(CRM_JOB) as JobRow[];
    const list = jobs.map((j) => {
      const p = JSON.parse(j.payload) as Partial<CrmJobPayload>;
      return {
        id: j.id,
        webhookId: p.webhookId ?? null,
        type: p.type ?? null,
        consentId: p.consentId ?? null,
        status: j.status,
        attempts: j.attempts,
        lastError: j.last_error,
        nextAttempt: j.status === 'pending' ? new Date(j.run_at).toISOString() : null,
      };
    });
    if (c.p.api) return res.json({ configured: config.crm !== null, deliveries: list });
    const t = TEXT[c.lang];
    const csrf = c.p.session?.csrf ?? '';
    const rows = list
      .map(
        (d) =>
          `<tr><td>${d.id}</td><td>${e(d.type ?? '')}</td><td><code>${e(d.webhookId ?? '')}</code></td><td><code>${e(d.consentId ?? '')}</code></td><td>${e(d.status)}</td><td>${d.attempts}</td><td>${e(d.lastError ?? '')}</td><td>${e(d.nextAttempt ?? '')}</td><td>${
            d.status === 'done' || d.status === 'failed'
              ? `<form method="post" action="/audit/crm/${d.id}/replay"><input type="hidden" name="csrf" value="${e(csrf)}"><button type="submit">${e(t.replay)}</button></form>`
              : ''
          }</td></tr>`,
      )
      .join('');
    kit.page(
      res,
      c,
      200,
      t.crmTitle,
      `<table><thead><tr>${t.cols.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`,
    );
  });

  kit.both('post', '/crm/:id/replay', 'crmDeliveries', (req, res, c) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || !replayCrmDelivery(ledger, id, now())) return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'crm_replayed', detail: { job: id } });
    kit.deps.onJob?.();
    if (c.p.api) return res.status(202).json({ status: 'pending' });
    res.redirect(303, '/audit/crm');
  });
}
