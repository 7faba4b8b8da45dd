import type { CheckpointRow, IncidentRow } from '../ledger/checkpoints';
import { csrfField, escapeHtml as e } from './html';

export interface LedgerOverview {
  status: string;
  eventCount: number;
  latest: CheckpointRow | null;
  ageSeconds: number | null;
  /** 'matches' | 'missing' | 'differs' | an error reading the bucket. */
  bucketCopy: string;
  incident: IncidentRow | null;
  canAcknowledge: boolean;
}

/** The ledger's trust state as an auditor reads it: sentences and a table, the raw note behind a toggle. */
export function ledgerPage(o: LedgerOverview, csrf: string): string {
  const cp = o.latest;
  const rows: Array<[string, string]> = [
    ['Ledger', o.status === 'ok' ? 'consistent with every published checkpoint' : o.status],
    ['Events in the log', String(o.eventCount)],
    ['Latest checkpoint', cp ? `size ${cp.size} (epoch ${cp.epoch}, origin ${cp.origin})` : 'none yet'],
    ['Signed', cp ? `${cp.signed_at} (${o.ageSeconds ?? '?'} s ago)` : '—'],
    ['Copy in the bucket', o.bucketCopy],
  ];
  const table = rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('');
  const incident = o.incident
    ? `<h2>Incident</h2><p id="ledger-incident" class="error">Detected ${e(o.incident.detected_at)}: ${e(o.incident.reason)}. No checkpoint is signed until an admin acknowledges it.</p>${
        o.canAcknowledge
          ? `<form method="post" action="/audit/ledger/acknowledge">${csrfField(csrf)}
<label>What happened and what was done <input name="note" required maxlength="500"></label>
<button type="submit">Acknowledge and start a new checkpoint epoch</button></form>`
          : '<p>An admin can acknowledge it here.</p>'
      }`
    : '';
  return `<h1>Ledger checkpoints</h1>
<p id="ledger-status" class="${o.status === 'ok' ? 'ok' : 'error'}">${e(o.status === 'ok' ? 'The event log is consistent with its signed checkpoints.' : `The event log is ${o.status}.`)}</p>
<table>${table}</table>${incident}
${cp ? `<details><summary>Signed checkpoint (as published)</summary><pre id="checkpoint-note">${e(cp.note)}</pre></details>` : ''}`;
}
