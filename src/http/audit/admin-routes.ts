import QRCode from 'qrcode';
import { isRole } from '../../audit/roles';
import * as views from '../../audit/views';
import { str, type PortalKit } from './kit';

/** Admin: users and API tokens. */
export function mountAdminRoutes(kit: PortalKit): void {
  const { users, tokens } = kit;

  kit.both('get', '/users', 'manageUsers', (_req, res, c) => {
    if (c.p.api) return res.json({ users: users.list() });
    kit.page(
      res,
      c,
      200,
      c.t('users'),
      views.usersPage(c.t, c.p.session?.csrf ?? '', users.list(), null, null),
    );
  });

  kit.both('post', '/users', 'manageUsers', async (req, res, c) => {
    const role: unknown = req.body?.role;
    const email = str(req.body?.email).trim();
    let created: { email: string; otpauth: string; qr: string } | null = null;
    let error: string | null = null;
    if (!isRole(role)) error = 'unknown role';
    else if (users.byEmail(email)) error = 'user exists';
    else
      try {
        const { otpauth } = await users.add(email, role, str(req.body?.password));
        created = { email, otpauth, qr: await QRCode.toDataURL(otpauth) };
        kit.audit(res, { action: 'user_added', detail: { email, role } });
      } catch (e) {
        error = (e as Error).message;
      }
    if (c.p.api)
      return error
        ? res.status(400).json({ error })
        : res.status(201).json({ email, otpauth: created?.otpauth });
    kit.page(
      res,
      c,
      error ? 400 : 201,
      c.t('users'),
      views.usersPage(c.t, c.p.session?.csrf ?? '', users.list(), created, error),
    );
  });

  kit.both('get', '/tokens', 'manageUsers', (_req, res, c) => {
    if (c.p.api) return res.json({ tokens: tokens.list() });
    kit.page(res, c, 200, c.t('tokens'), views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), null));
  });

  kit.both('post', '/tokens', 'manageUsers', (req, res, c) => {
    const owner = users.byEmail(str(req.body?.email).trim());
    const name = str(req.body?.name).trim().slice(0, 100);
    if (!owner || !name) {
      if (c.p.api)
        return res.status(400).json({ error: 'email of an existing user and a name are required' });
      return kit.page(
        res,
        c,
        400,
        c.t('tokens'),
        views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), null),
      );
    }
    const secret = tokens.create(owner.id, name, c.p.user.id);
    kit.audit(res, { action: 'token_created', detail: { owner: owner.email, name } });
    if (c.p.api) return res.status(201).json({ token: secret });
    kit.page(
      res,
      c,
      201,
      c.t('tokens'),
      views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), secret),
    );
  });
}
