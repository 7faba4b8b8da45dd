import { addUser, Client, seedConsent, startPortal, type Portal } from './audit-support';

/**
 * Staff record a withdrawal with the number as the customer wrote it in a letter or said it on
 * the phone, in national format as often as not. The portal's search reads such a number; the
 * withdrawal form must too, or it answers with a reference while withdrawing nothing.
 */
let portal: Portal;
beforeAll(async () => {
  portal = await startPortal();
});
afterAll(async () => {
  await portal.close();
});

test.each([
  ['nationally, in groups', '0151 2345 6701', '+4915123456701'],
  ['with 0049 and dashes', '0049-151-2345-6702', '+4915123456702'],
  ['in E.164 with spaces', '+49 151 2345 6703', '+4915123456703'],
])(
  'a withdrawal recorded with the number written %s withdraws that caller’s consent',
  async (_how, typed, from) => {
    const seeded = await seedConsent(portal.rt, { from });
    const staff = new Client(portal.url);
    await staff.login(await addUser(portal, 'staff'));
    const res = await staff.post('/audit/record-withdrawal', {
      caller: typed,
      channel: 'letter',
      ticket: 'Brief 17',
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toContain(`/audit/certificates/${seeded.consentId}`);
    expect(portal.rt.ledger.getConsent(seeded.consentId)?.status).toBe('withdrawn');
  },
);
