import { ACCOUNT_ACTIONS } from '../../audit/accounts';
import { accountChanges } from '../../audit/account-views';
import { can } from '../../audit/roles';
import * as views from '../../audit/views';
import type { PortalKit } from './kit';

/** The start page and the public key that verifies exports. */
export function mountHomeRoutes(kit: PortalKit): void {
  const { ledger } = kit;

  kit.both('get', '/', null, (_req, res, c) => {
    // Auditors see every account change, so an account made to read data quietly is seen.
    const changes = can(c.p.user.role, 'seeAccountChanges') ? kit.accessLog.byActions(ACCOUNT_ACTIONS) : null;
    if (c.p.api)
      return res.json({
        user: c.p.user.email,
        role: c.p.user.role,
        publicKeyPem: ledger.publicKeyPem(),
        ...(changes ? { accountChanges: changes } : {}),
      });
    kit.page(
      res,
      c,
      200,
      c.t('home'),
      views.homePage(c.t, c.p.user.role, kit.features, ledger.publicKeyPem()) +
        (changes ? accountChanges(c.t, changes) : ''),
    );
  });

  kit.both('get', '/public-key', null, (_req, res) => {
    res.type('application/x-pem-file').send(ledger.publicKeyPem());
  });
}
