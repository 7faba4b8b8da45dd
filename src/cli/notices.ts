import { parseArgs } from 'node:util';
import { localesDir, promptsDir } from '../config';
import { createLogger } from '../logger';
import { NoticeSet } from '../notices/notice-set';
import {
  approveNoticeVersion,
  diffNoticeVersions,
  findNoticeVersion,
  formatDiff,
  listNoticeVersions,
  NoticeApprovalError,
} from '../audit/notices';
import type { Runtime } from '../runtime';

type Out = { out: (s: string) => void; err: (s: string) => void };

const USAGE =
  'usage: consent notices list | diff <a> <b> | approve <id> --by <email>   (a, b: id prefix, live or current)\n';

/** The version the files are now, registered (as a draft unless known) with its source. */
export function currentNoticeVersion(rt: Runtime): string {
  return NoticeSet.open({
    ledger: rt.ledger,
    config: rt.config,
    log: createLogger('silent'),
    localesDir: localesDir(),
    promptsDir: promptsDir(),
  }).filesVersion();
}

/** `consent notices`: the command-line mirror of the portal's sign-off page. */
export function noticesCommand(rt: Runtime, args: string[], io: Out): number {
  const [sub, ...rest] = args;
  const { positionals, values } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { by: { type: 'string' } },
  });
  const now = new Date();
  const current = currentNoticeVersion(rt);
  const resolve = (ref: string) => findNoticeVersion(rt.ledger, ref === 'current' ? current : ref);
  if (sub === 'list') {
    const all = listNoticeVersions(rt.ledger);
    for (const v of all)
      io.out(
        `${v.id.slice(0, 12)}  ${v.status.padEnd(10)}  created ${v.createdAt}` +
          `${v.approvedBy ? `  approved by ${v.approvedBy} at ${v.approvedAt}` : ''}` +
          `${v.id === current ? '  (the locale files now)' : ''}\n`,
      );
    return 0;
  }
  if (sub === 'diff') {
    const [a, b] = positionals;
    if (!a || !b) return (io.err(USAGE), 2);
    const from = resolve(a);
    const to = resolve(b);
    if (!from || !to) {
      io.err(`no notice version ${!from ? a : b} (give 6+ characters of an id, live or current)\n`);
      return 4;
    }
    io.out(
      `${from.id.slice(0, 12)} -> ${to.id.slice(0, 12)}\n${formatDiff(diffNoticeVersions(from.content, to.content))}`,
    );
    return 0;
  }
  if (sub === 'approve') {
    const ref = positionals[0];
    if (!ref || !values.by) return (io.err(USAGE), 2);
    const target = resolve(ref);
    try {
      const v = approveNoticeVersion(
        rt.ledger,
        target?.id ?? ref,
        values.by,
        now,
        rt.config.notices.approvers,
      );
      io.out(
        `approved ${v.id.slice(0, 12)} by ${v.approvedBy} at ${v.approvedAt}: it is now the live version\n`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof NoticeApprovalError)) throw error;
      io.err(`${error.message}\n`);
      return 1;
    }
  }
  io.err(USAGE);
  return 2;
}
