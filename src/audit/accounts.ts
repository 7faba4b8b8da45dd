import type { Ledger } from '../ledger';
import type { Role } from './roles';
import { ADMIN_ROLES } from './users';

export type AccountChange = 'ok' | 'not_found' | 'last_admin' | 'own_role';

/**
 * Disabling and re-roling accounts. "Never the last admin" is part of the same UPDATE, so two
 * admins disabling each other at once cannot leave the portal with none.
 */
export class Accounts {
  constructor(private readonly ledger: Ledger) {}

  private readonly otherActiveAdmins = `(SELECT COUNT(*) FROM users o WHERE o.id != users.id AND o.disabled = 0
      AND o.kind = 'person' AND o.enrolled_at IS NOT NULL AND o.role IN (${ADMIN_ROLES.map((r) => `'${r}'`).join(', ')}))`;

  private readonly isAdmin = `users.role IN (${ADMIN_ROLES.map((r) => `'${r}'`).join(', ')})`;

  setDisabled(id: number, disabled: boolean): AccountChange {
    const changed = this.ledger
      .sql(
        `UPDATE users SET disabled = ? WHERE id = ? AND (? = 0 OR NOT ${this.isAdmin} OR ${this.otherActiveAdmins} > 0)`,
      )
      .run(disabled ? 1 : 0, id, disabled ? 1 : 0).changes;
    return changed === 1 ? 'ok' : this.why(id);
  }

  setRole(id: number, role: Role, actorId: number): AccountChange {
    if (id === actorId) return 'own_role';
    const staysAdmin = ADMIN_ROLES.includes(role) ? 1 : 0;
    const changed = this.ledger
      .sql(
        `UPDATE users SET role = ? WHERE id = ? AND (? = 1 OR NOT ${this.isAdmin} OR ${this.otherActiveAdmins} > 0)`,
      )
      .run(role, id, staysAdmin).changes;
    return changed === 1 ? 'ok' : this.why(id);
  }

  private why(id: number): AccountChange {
    return this.ledger.sql('SELECT 1 FROM users WHERE id = ?').get(id) ? 'last_admin' : 'not_found';
  }
}

/** Access-log actions about accounts: the auditors' overview shows them to every auditor. */
export const ACCOUNT_ACTIONS = [
  'user_created',
  'user_enrolled',
  'enrolment_link_issued',
  'role_changed',
  'user_disabled',
  'user_enabled',
] as const;
