export const ROLES = ['admin', 'auditor', 'ops'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * What each role may do. The server checks these on every route; the pages only hide links.
 * Ops sees aggregate numbers and configuration, never personal data or audio.
 */
export const PERMISSIONS = {
  searchConsents: ['auditor'],
  readConsent: ['auditor'],
  playClip: ['auditor'],
  exportEvidence: ['auditor'],
  approve: ['auditor'],
  statistics: ['ops'],
  configCheck: ['ops'],
  manageUsers: ['admin'],
  readAccessLog: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
