import type { Key } from './html';

/**
 * Everything a portal user may be allowed to do. The server checks these on every route; the
 * pages only hide links.
 */
export const PERMISSION_NAMES = [
  'searchConsents',
  'readConsent',
  'playClip',
  'exportEvidence',
  'approve',
  /** The overview of accounts created or given new roles, so a rogue account does not go unseen. */
  'seeAccountChanges',
  'statistics',
  'configCheck',
  /** What retention will end in the next 30 days: consent IDs and dates, no caller data. */
  'retentionSchedule',
  'manageUsers',
  'readAccessLog',
  /** Record a withdrawal received by e-mail, phone or letter (no personal data shown, no audio). */
  'recordWithdrawal',
  /** Deletion certificates: IDs, systems and results, no personal data. */
  'readCertificates',
  /** The CRM deliveries (status, attempts, last error) and replaying one. */
  'crmDeliveries',
  /** Sign off a new notice version (what callers hear) after seeing its diff. */
  'approveNotices',
  /** Read the locale and operator texts again (a new draft notice version); plays nothing unapproved. */
  'reloadTexts',
] as const;
export type Permission = (typeof PERMISSION_NAMES)[number];

/**
 * The roles and what each may do: a new role is one line here. Ops sees aggregate numbers and
 * configuration, never personal data or audio; admins manage accounts but read no personal data.
 */
export const ROLE_PERMISSIONS = {
  admin: [
    'manageUsers',
    'readAccessLog',
    'crmDeliveries',
    'readCertificates',
    'approveNotices',
    'reloadTexts',
  ],
  auditor: [
    'recordWithdrawal',
    'readCertificates',
    'searchConsents',
    'readConsent',
    'playClip',
    'exportEvidence',
    'approve',
    'seeAccountChanges',
    'retentionSchedule',
  ],
  ops: ['statistics', 'configCheck', 'retentionSchedule', 'reloadTexts'],
  /** Front-office staff who take withdrawals by e-mail, phone or letter: no search, no audio. */
  staff: ['recordWithdrawal', 'readCertificates'],
  /** The data-protection officer: signs off what callers hear; reads no personal data. */
  dpo: ['approveNotices', 'reloadTexts'],
} as const satisfies Record<string, readonly Permission[]>;

export type Role = keyof typeof ROLE_PERMISSIONS;
export const ROLES = Object.keys(ROLE_PERMISSIONS) as Role[];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && Object.hasOwn(ROLE_PERMISSIONS, value);

export function can(role: Role, permission: Permission): boolean {
  return (ROLE_PERMISSIONS[role] as readonly Permission[]).includes(permission);
}

/** What this deployment has switched on: a menu entry for something switched off does nothing. */
export interface NavFeatures {
  fourEyes: boolean;
  crm: boolean;
  checkpoints: boolean;
}

/** The portal's navigation: each page behind the permission that opens it, and the feature it needs. */
export const NAV: ReadonlyArray<{
  href: string;
  label: Key;
  permission: Permission | null;
  needs?: keyof NavFeatures;
}> = [
  { href: '/audit/consents', label: 'search', permission: 'searchConsents' },
  { href: '/audit/approvals', label: 'approvals', permission: 'approve', needs: 'fourEyes' },
  { href: '/audit/stats', label: 'stats', permission: 'statistics' },
  { href: '/audit/config', label: 'config', permission: 'configCheck' },
  { href: '/audit/retention', label: 'retention', permission: 'retentionSchedule' },
  { href: '/audit/withdrawals', label: 'withdrawals', permission: 'searchConsents' },
  { href: '/audit/record-withdrawal', label: 'recordWithdrawal', permission: 'recordWithdrawal' },
  { href: '/audit/crm', label: 'crm', permission: 'crmDeliveries', needs: 'crm' },
  { href: '/audit/users', label: 'users', permission: 'manageUsers' },
  { href: '/audit/tokens', label: 'tokens', permission: null },
  { href: '/audit/access-log', label: 'accessLog', permission: 'readAccessLog' },
  { href: '/audit/notices', label: 'notices', permission: 'reloadTexts' },
  { href: '/audit/ledger', label: 'ledger', permission: null, needs: 'checkpoints' },
  { href: '/audit/verify', label: 'verify', permission: null },
];
