import { Accounts, type AccountChange } from '../../audit/accounts';
import { usersPage } from '../../audit/account-views';
import { Enrolments } from '../../audit/enrolment';
import { isRole } from '../../audit/roles';
import type { UserRow } from '../../audit/users';
import { str, type Authed, type PortalKit } from './kit';

const CHANGE_ERRORS: Record<Exclude<AccountChange, 'ok'>, [number, string]> = {
  not_found: [404, 'no such user'],
  last_admin: [409, 'the last admin cannot be disabled or given another role'],
  own_role: [409, 'an admin cannot change their own role'],
};

/**
 * Admin: accounts. An admin invites a person (who enrols through a one-time link), creates a
 * service account, disables, re-enables and re-roles; never sets a password or sees a TOTP secret.
 */
export function mountAdminRoutes(kit: PortalKit): void {
  const { users, sessions, ledger, now, config } = kit;
  const accounts = new Accounts(ledger);
  const enrolments = new Enrolments(ledger, now);
  const enrolUrl = (token: string): string => `${config.publicBaseUrl}/audit/enrol/${token}`;

  const show = (
    res: Parameters<PortalKit['page']>[0],
    c: Authed,
    status: number,
    created: { email: string; enrolUrl: string | null } | null,
    error: string | null,
  ): void =>
    kit.page(
      res,
      c,
      status,
      c.t('users'),
      usersPage(c.t, c.p.session?.csrf ?? '', users.list(), c.p.user.id, created, error),
    );

  kit.both('get', '/users', 'manageUsers', (_req, res, c) => {
    if (c.p.api) return res.json({ users: users.list() });
    show(res, c, 200, null, null);
  });

  kit.both('post', '/users', 'manageUsers', (req, res, c) => {
    const role: unknown = req.body?.role;
    const kind = str(req.body?.kind) === 'service' ? 'service' : 'person';
    const name = str(kind === 'service' ? req.body?.name || req.body?.email : req.body?.email).trim();
    let error: string | null = null;
    let created: UserRow | null = null;
    let link: { token: string; expiresAt: number } | null = null;
    if (!isRole(role)) error = 'unknown role';
    else if (users.byEmail(name)) error = 'user exists';
    else
      try {
        created = kind === 'service' ? users.createService(name, role) : users.invite(name, role);
        if (kind === 'person') link = enrolments.issue(created.id, c.p.user.id);
        kit.audit(res, {
          action: 'user_created',
          detail: { email: name, role, kind, userId: created.id },
        });
      } catch (e) {
        error = (e as Error).message;
      }
    if (c.p.api)
      return error || !created
        ? res.status(400).json({ error })
        : res.status(201).json({
            user: users.toPublic(created),
            enrolUrl: link ? enrolUrl(link.token) : null,
            enrolExpiresAt: link ? new Date(link.expiresAt).toISOString() : null,
          });
    show(
      res,
      c,
      error ? 400 : 201,
      created ? { email: name, enrolUrl: link ? enrolUrl(link.token) : null } : null,
      error,
    );
  });

  /** A fresh link for a person who lost their phone or password: logged and shown to auditors. */
  kit.both('post', '/users/:id/enrolment', 'manageUsers', (req, res, c) => {
    const target = users.byId(Number(req.params.id));
    if (!target || target.kind !== 'person') return kit.fail(res, 404, 'notFound');
    const link = enrolments.issue(target.id, c.p.user.id);
    kit.audit(res, {
      action: 'enrolment_link_issued',
      detail: { email: target.email, role: target.role, userId: target.id },
    });
    if (c.p.api)
      return res.status(201).json({
        enrolUrl: enrolUrl(link.token),
        enrolExpiresAt: new Date(link.expiresAt).toISOString(),
      });
    show(res, c, 201, { email: target.email, enrolUrl: enrolUrl(link.token) }, null);
  });

  const change = (
    path: string,
    action: string,
    apply: (target: UserRow, c: Authed, body: Record<string, unknown>) => AccountChange | 'bad_role',
  ): void =>
    kit.both('post', `/users/:id/${path}`, 'manageUsers', (req, res, c) => {
      const target = users.byId(Number(req.params.id));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const result = target ? apply(target, c, body) : 'not_found';
      if (result === 'bad_role') {
        if (c.p.api) return res.status(400).json({ error: 'unknown role' });
        return show(res, c, 400, null, 'unknown role');
      }
      if (result !== 'ok' || !target) {
        if (result === 'ok') return kit.fail(res, 404, 'notFound');
        const [status, message] = CHANGE_ERRORS[result];
        if (c.p.api) return res.status(status).json({ error: message });
        return show(res, c, status, null, message);
      }
      // Whoever changed is signed out everywhere; their tokens follow the account's new state.
      sessions.destroyAllOf(target.id);
      const after = users.byId(target.id);
      kit.audit(res, {
        action,
        detail: { email: target.email, role: after?.role, previousRole: target.role, userId: target.id },
      });
      if (c.p.api) return res.json({ user: after ? users.toPublic(after) : null });
      res.redirect(303, '/audit/users');
    });

  change('disable', 'user_disabled', (target) => accounts.setDisabled(target.id, true));
  change('enable', 'user_enabled', (target) => accounts.setDisabled(target.id, false));
  change('role', 'role_changed', (target, c, body) =>
    isRole(body.role) ? accounts.setRole(target.id, body.role, c.p.user.id) : 'bad_role',
  );
}
