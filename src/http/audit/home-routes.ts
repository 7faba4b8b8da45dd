import * as views from '../../audit/views';
import type { PortalKit } from './kit';

/** The start page and the public key that verifies exports. */
export function mountHomeRoutes(kit: PortalKit): void {
  const { ledger } = kit;

  kit.both('get', '/', null, (_req, res, c) => {
    if (c.p.api)
      return res.json({ user: c.p.user.email, role: c.p.user.role, publicKeyPem: ledger.publicKeyPem() });
    kit.page(res, c, 200, c.t('home'), views.homePage(c.t, c.p.user.role, ledger.publicKeyPem()));
  });

  kit.both('get', '/public-key', null, (_req, res) => {
    res.type('application/x-pem-file').send(ledger.publicKeyPem());
  });
}
