import { parseArgs } from 'node:util';
import { applyRetention } from '../lifecycle/retention-sweep';
import { outboundOf } from '../outbound/outbound';
import type { Runtime } from '../runtime';

/**
 * `consent retention run [--dry-run] [--json]`: applies the retention schedule now, as the server
 * does hourly, and deletes the expired consents' clips before it returns (the server's own worker
 * would do so within seconds; an operator running this wants them gone when it says so).
 */
export async function retentionCommand(
  rt: Runtime,
  args: string[],
  io: { out: (s: string) => void },
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const dryRun = values['dry-run'] === true;
  const outcome = applyRetention(rt.ledger, rt.config.operator.purposes, new Date(), {
    dryRun,
    outbound: outboundOf(rt.config),
  });
  let clipsDeleted = outcome.clipsToDelete.length;
  if (!dryRun && outcome.expired.length > 0) {
    await rt.jobs.runDue({ kinds: ['delete_clip'] });
    clipsDeleted = outcome.clipsToDelete.filter((id) => rt.ledger.getClip(id)?.status === 'deleted').length;
  }
  if (values.json) {
    io.out(`${JSON.stringify({ expired: outcome.expired, clipsDeleted })}\n`);
    return;
  }
  const verb = dryRun ? 'would expire' : 'expired';
  io.out(
    `${verb} ${outcome.expired.length} consent(s)${outcome.expired.map((id) => `\n  ${id}`).join('')}\n`,
  );
  for (const p of outcome.purposesEnded)
    io.out(`${dryRun ? 'would end' : 'ended'} ${p.purposes.join(', ')} of ${p.consentId}\n`);
  io.out(`${dryRun ? 'clips to delete' : 'clips deleted'}: ${clipsDeleted}\n`);
}
