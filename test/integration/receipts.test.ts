import { startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ RECEIPT_SMS: 'true' });
});
afterAll(async () => {
  await gw.close();
});

const events = (callSid: string) => gw.report(callSid).events.map((e) => e.type);

test('with RECEIPT_SMS=true a consenting caller gets one receipt in their language naming the consent, what they agreed to and how to withdraw', async () => {
  const from = '+4915199900011';
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  for (const k of ['1', '1', '2']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  const consentId = gw.report(call.callSid).consentId!;
  const sent = gw.emulator.messages.filter((m) => m.to === from);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.from).toBe('+4930123456');
  const body = sent[0]!.body;
  expect(body).toContain(consentId);
  expect(body).toMatch(/Verarbeitung für dieses Gespräch, Verbesserung der KI/);
  expect(body).not.toMatch(/persönliche Angebote/);
  expect(body).toMatch(/Taste 0/);
  expect(body).toContain(`${gw.url}/privacy?lng=de`);
  expect(events(call.callSid)).toContain('receipt_sent');
});

test('a caller who refuses, or consents in English, gets what fits: no receipt, or an English one', async () => {
  const refuser = gw.emulator.placeCall({ from: '+4915199900012', to: '+4930123456', fromCountry: 'DE' });
  await refuser.start();
  await refuser.press('2');
  const english = gw.emulator.placeCall({ from: '+447700900555', to: '+4930123456', fromCountry: 'GB' });
  await english.start();
  for (const k of ['1', '1', '1']) await english.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  expect(gw.emulator.messages.filter((m) => m.to === '+4915199900012')).toHaveLength(0);
  const sent = gw.emulator.messages.filter((m) => m.to === '+447700900555');
  expect(sent).toHaveLength(1);
  expect(sent[0]!.body).toMatch(/To withdraw, press 0 in a call/);
});
