/**
 * How unapproved notice versions are treated. Production never plays one: until a dpo signs a
 * draft off, callers hear the live (last approved) version. Development plays drafts so that an
 * operator hears an edit at once, and /healthz says so.
 */
export type DraftPolicy = 'play' | 'refuse';
export type ApproverRole = 'dpo' | 'admin';

/** What a new ledger (nothing approved yet) does with the texts it starts with. */
export type FirstVersionPolicy = 'live' | 'closed';

export interface NoticeConfig {
  drafts: DraftPolicy;
  firstVersion: FirstVersionPolicy;
  /** Roles whose sign-off makes a draft live. */
  approvers: ApproverRole[];
}

export const NOTICE_ENV = {
  NOTICE_DRAFTS: {
    default: 'play (development), refuse (production)',
    doc: 'refuse: only approved notice versions play (the live one until a draft is signed off); play: drafts play at once (development only)',
  },
  NOTICE_FIRST_VERSION: {
    default: 'live',
    doc: 'live: on a new ledger (nothing approved yet) the texts it starts with play, approved as "first start" in the ledger, and every later change needs sign-off; closed: until a person signs a version off, callers go straight to a human, unrecorded',
  },
  NOTICE_APPROVERS: {
    default: 'dpo,admin',
    doc: 'roles whose sign-off makes a draft notice version live: dpo, admin or both',
  },
} as const;

export function parseNoticeConfig(
  get: (name: keyof typeof NOTICE_ENV) => string,
  production: boolean,
  problems: string[],
): NoticeConfig {
  const drafts = get('NOTICE_DRAFTS') || (production ? 'refuse' : 'play');
  if (drafts !== 'play' && drafts !== 'refuse') problems.push('NOTICE_DRAFTS: must be play or refuse');
  else if (production && drafts === 'play')
    problems.push('NOTICE_DRAFTS: production never plays an unapproved notice version (use refuse)');
  const approvers = (get('NOTICE_APPROVERS') || 'dpo,admin')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const known = approvers.filter((r): r is ApproverRole => r === 'dpo' || r === 'admin');
  if (known.length === 0 || known.length !== approvers.length)
    problems.push('NOTICE_APPROVERS: a comma-separated list of dpo and/or admin');
  const firstVersion = get('NOTICE_FIRST_VERSION') || 'live';
  if (firstVersion !== 'live' && firstVersion !== 'closed')
    problems.push('NOTICE_FIRST_VERSION: must be live or closed');
  return {
    drafts: drafts === 'play' ? 'play' : 'refuse',
    firstVersion: firstVersion === 'closed' ? 'closed' : 'live',
    approvers: known.length > 0 ? [...new Set(known)] : ['dpo', 'admin'],
  };
}
