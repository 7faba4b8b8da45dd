import { tokensPage } from '../../audit/account-views';
import { can } from '../../audit/roles';
import { str, type Authed, type PortalKit } from './kit';

/**
 * API tokens: everyone mints their own; an admin also mints for a named service account; nobody
 * mints for another person. Minting needs a signed-in portal session (password and TOTP), so a
 * leaked token cannot breed new ones. Tokens expire (API_TOKEN_TTL_DAYS) and can be revoked.
 */
export function mountTokenRoutes(kit: PortalKit): void {
  const { tokens, users, now } = kit;
  const isAdmin = (c: Authed): boolean => can(c.p.user.role, 'manageUsers');
  const visible = (c: Authed) => tokens.list(isAdmin(c) ? undefined : c.p.user.id);
  const services = (c: Authed): string[] =>
    isAdmin(c)
      ? users
          .list()
          .filter((u) => u.kind === 'service' && !u.disabled)
          .map((u) => u.email)
      : [];

  const show = (
    res: Parameters<PortalKit['page']>[0],
    c: Authed,
    status: number,
    created: string | null,
  ): void =>
    kit.page(
      res,
      c,
      status,
      c.t('tokens'),
      tokensPage(c.t, c.p.session?.csrf ?? '', visible(c), services(c), created, now().getTime()),
    );

  kit.both('get', '/tokens', null, (_req, res, c) => {
    if (c.p.api) return res.json({ tokens: visible(c) });
    show(res, c, 200, null);
  });

  kit.both('post', '/tokens', null, (req, res, c) => {
    const refuse = (status: number, error: string): unknown =>
      c.p.api ? res.status(status).json({ error }) : show(res, c, status, null);
    if (c.p.api) return refuse(403, 'tokens are minted in a signed-in portal session');
    const name = str(req.body?.name).trim().slice(0, 100);
    const service = str(req.body?.service).trim();
    if (!name) return refuse(400, 'a token name is required');
    let owner = c.p.user;
    if (service) {
      const target = users.byEmail(service);
      if (!isAdmin(c)) return refuse(403, 'only an admin mints tokens for service accounts');
      if (!target || target.kind !== 'service' || target.disabled)
        return refuse(400, 'tokens are minted for yourself or for a named service account');
      owner = target;
    }
    const made = tokens.create(owner.id, name, c.p.user.id);
    kit.audit(res, {
      action: 'token_created',
      detail: {
        owner: owner.email,
        kind: owner.kind,
        name,
        token: made.id,
        expiresAt: new Date(made.expiresAt).toISOString(),
      },
    });
    show(res, c, 201, made.secret);
  });

  /** An admin revokes any token; everyone else those they hold or made. */
  kit.both('post', '/tokens/:id/revoke', null, (req, res, c) => {
    const token = tokens.get(Number(req.params.id));
    const mine =
      token && (token.user_id === c.p.user.id || tokens.list(c.p.user.id).some((t) => t.id === token.id));
    if (!token || !(isAdmin(c) || mine)) return kit.fail(res, 404, 'notFound');
    const revoked = tokens.revoke(token.id);
    if (revoked) kit.audit(res, { action: 'token_revoked', detail: { token: token.id, name: token.name } });
    if (c.p.api) return res.json({ revoked: true });
    res.redirect(303, '/audit/tokens');
  });
}
