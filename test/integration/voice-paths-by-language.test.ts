/**
 * Every call path, driven through the real gateway and the Twilio emulator, in every locale that
 * ships under locales/ (a new locale folder is picked up without touching this file). Expected
 * texts come from each locale's own prompts.json, rendered with the operator settings this file
 * configures, so a prompt spoken in the wrong language or with a variable left unfilled fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { words } from '../../src/flow/normalize';
import { languageOf, parseLocaleName } from '../../src/i18n/locale-variants';
import { said, startGateway, type Gateway } from '../support/gateway';
import { LOCALES, LOCALES_DIR } from '../support/shipped-locales';
import type { EmulatedCall, Heard } from '../support/twilio-emulator';

// ---------------------------------------------------------------------------------------------
// Locales, as shipped

const CORPUS_DIR = path.join(__dirname, '../unit/corpus');

type Json = Record<string, unknown>;
const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
const PROMPTS: Record<string, Json> = Object.fromEntries(
  LOCALES.map((lng) => [lng, readJson(path.join(LOCALES_DIR, lng, 'prompts.json'))]),
);

interface LexiconFile {
  yes: string[];
  no: string[];
  agent: string[];
  negators: string[];
}
/** A variant's own file (de-simple/lexicon.json, de-simple.json), else its language's, as the service reads it. */
function ownOrLanguage(dir: string, lng: string, file: string): string {
  const at = (l: string): string =>
    file.startsWith('.') ? path.join(dir, `${l}${file}`) : path.join(dir, l, file);
  return fs.existsSync(at(lng)) ? at(lng) : at(languageOf(lng));
}
const LEXICONS: Record<string, LexiconFile> = Object.fromEntries(
  LOCALES.map((lng) => [
    lng,
    readJson(ownOrLanguage(LOCALES_DIR, lng, 'lexicon.json')) as unknown as LexiconFile,
  ]),
);

// ---------------------------------------------------------------------------------------------
// Operator settings of this gateway: every value a prompt interpolates is set here, so the
// expected texts do not depend on the product's own defaults.

/** The company's language: the agent's whisper is spoken in it. */
const AGENT_LOCALE = 'de';
const HUMAN_AGENT = '+4930999888';
const PRIVACY_URL = 'https://privacy.example.net/callers?via=sms';
/** Every caller rings from Austria, whose age of digital consent (14) differs from the default (16). */
const CALLER_COUNTRY = 'AT';
const CALLER_AGE = 14;
/** An operator text given per locale, as the operator file holds it: `{ de: "…", en: "…" }`. */
const perLocale = (text: (lng: string) => string): Record<string, string> =>
  Object.fromEntries(LOCALES.map((lng) => [lng, text(lng)]));
const OPERATOR = {
  company: 'Nordlicht Versand AG',
  assistantName: 'Mira',
  controller: perLocale((lng) => `Nordlicht Versand AG, Hafenweg 7, 20457 Hamburg (${lng})`),
  dpoContact: 'dsb@nordlicht.example',
  supervisoryAuthority: perLocale((lng) => `Hamburgische Datenschutzbehörde [${lng}]`),
  recipients: perLocale((lng) => `Twilio Ireland Ltd. <${lng}>`),
  dataCategories: perLocale((lng) => `Rufnummer/phone/numéro/numara ${lng}`),
  thirdCountryTransfer: perLocale((lng) => `Twilio USA, DPF and SCC, ${lng}.`),
  legitimateInterests: perLocale((lng) => `fraud prevention ${lng}`),
  purposes: [
    { id: 'call', retentionDays: 21 },
    { id: 'ai_training', retentionDays: 180 },
    { id: 'personalization', retentionDays: 90 },
  ],
  // The called number decides the language: one number per locale. Austria alone would pick de.
  numbers: Object.fromEntries(LOCALES.map((lng, i) => [calledNumber(i), { locale: lng }])),
  ageOfConsent: { default: 16, [CALLER_COUNTRY]: CALLER_AGE },
  languageKey: '8',
};
const MIN_RETENTION = Math.min(...OPERATOR.purposes.map((p) => p.retentionDays));

function calledNumber(index: number): string {
  return `+4940555${String(index + 1).padStart(4, '0')}`;
}
const numberOf = (lng: string): string => calledNumber(LOCALES.indexOf(lng));

// ---------------------------------------------------------------------------------------------
// Expected texts, rendered from the locale's catalog as the gateway renders them

const lookup = (lng: string, key: string): unknown =>
  key
    .split('.')
    .reduce<unknown>(
      (acc, part) => (acc && typeof acc === 'object' ? (acc as Json)[part] : undefined),
      PROMPTS[lng],
    );

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Vars = Record<string, string | number>;

/** The variables every caller-facing prompt may use, as the renderer fills them in. */
function callerVars(lng: string): Vars {
  return {
    company: OPERATOR.company,
    assistant: OPERATOR.assistantName,
    controller: OPERATOR.controller[lng] as string,
    dpo: OPERATOR.dpoContact,
    recipients: OPERATOR.recipients[lng] as string,
    authority: OPERATOR.supervisoryAuthority[lng] as string,
    categories: OPERATOR.dataCategories[lng] as string,
    transfer: OPERATOR.thirdCountryTransfer[lng] as string,
    interests: OPERATOR.legitimateInterests[lng] as string,
    retentionDays: MIN_RETENTION,
    retentionList: OPERATOR.purposes
      .map((p) =>
        squash(String(lookup(lng, 'retentionItem')))
          .replace('{{purpose}}', purposeName(lng, p.id))
          .replace('{{days}}', String(p.retentionDays)),
      )
      .join(', '),
    key: OPERATOR.languageKey,
    age: CALLER_AGE,
    purposeList: OPERATOR.purposes.map((p) => purposeName(lng, p.id)).join(', '),
  };
}

function purposeName(lng: string, id: string): string {
  const name = lookup(lng, `purposeNames.${id}`);
  return typeof name === 'string' ? name : id;
}

/**
 * The whole sentence of `key` in `lng` as a regex: literal text escaped, each {{variable}} replaced
 * by its value. A variable the test does not know fails loudly: the caller would hear it unfilled.
 */
function prompt(lng: string, key: string, extra: Vars = {}): RegExp {
  const template = lookup(lng, key);
  if (typeof template !== 'string') throw new Error(`${lng}/prompts.json has no text for "${key}"`);
  const vars = { ...callerVars(lng), ...extra };
  const source = squash(template)
    .split(/\{\{\s*([\w.]+)\s*\}\}/)
    .map((part, i) => {
      if (i % 2 === 0) return escapeRegex(part);
      const value = vars[part];
      if (value === undefined) throw new Error(`${lng}/${key} uses {{${part}}}, which the test cannot fill`);
      return escapeRegex(squash(String(value)));
    })
    .join('');
  return new RegExp(`^${source}$`);
}

const speechOf = (lng: string): string => {
  const speech = lookup(lng, 'language.speech');
  if (typeof speech !== 'string') throw new Error(`${lng} has no language.speech`);
  return speech;
};

/** How often the caller (or agent) heard `key` of `lng`: the exact text, spoken in that language. */
const times = (heard: Heard[], lng: string, key: string, extra: Vars = {}): number => {
  const re = prompt(lng, key, extra);
  return heard.filter((h) => h.verb === 'Say' && h.language === speechOf(lng) && re.test(h.text ?? ''))
    .length;
};

const said1 = (heard: Heard[], lng: string, key: string, extra: Vars = {}): void => {
  const n = times(heard, lng, key, extra);
  if (n !== 1) {
    throw new Error(
      `expected "${key}" in ${lng} (${speechOf(lng)}) exactly once, heard it ${n} times in:\n${said(heard)}`,
    );
  }
};

/** Index of the first Say of `key` in `lng`, to check the order things were heard in. */
const indexOf = (heard: Heard[], lng: string, key: string, extra: Vars = {}): number => {
  const re = prompt(lng, key, extra);
  return heard.findIndex((h) => h.verb === 'Say' && h.language === speechOf(lng) && re.test(h.text ?? ''));
};

// ---------------------------------------------------------------------------------------------
// Speech from the lexicon and the corpus

/** Lexicon word against spoken word, with the lexicon's `*` stem marks. */
function wordMatches(word: string, pattern: string): boolean {
  const head = pattern.startsWith('*');
  const tail = pattern.endsWith('*');
  const core = pattern.replace(/^\*|\*$/g, '');
  if (core === '') return false;
  if (head && tail) return word.includes(core);
  if (head) return word.endsWith(core);
  if (tail) return word.startsWith(core);
  return word === pattern;
}

/** Word spans [start, end) where `phrase` occurs in `spoken`. */
function spans(spoken: string[], phrase: string): Array<[number, number]> {
  const pattern = words(phrase);
  const out: Array<[number, number]> = [];
  if (pattern.length === 0) return out;
  for (let i = 0; i + pattern.length <= spoken.length; i += 1)
    if (pattern.every((p, j) => wordMatches(spoken[i + j] as string, p))) out.push([i, i + pattern.length]);
  return out;
}

/**
 * A yes that is negated, in the locale's own words: the first utterance of the locale's intent
 * corpus labelled "no" that holds a yes phrase and, apart from it, a negator ("ich bin nicht
 * einverstanden"). Without a corpus, a negator put before the first yes phrase of the lexicon.
 */
function negatedYes(lng: string): { text: string; fromCorpus: boolean } {
  const lex = LEXICONS[lng] as LexiconFile;
  const file = ownOrLanguage(CORPUS_DIR, lng, '.json');
  if (fs.existsSync(file)) {
    const corpus = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{
      text: string;
      intent: string;
      confidence: number;
    }>;
    for (const entry of corpus) {
      if (entry.intent !== 'no' || entry.confidence < 0.5) continue;
      const spoken = words(entry.text);
      const yes = lex.yes.flatMap((p) => spans(spoken, p));
      const negators = lex.negators.flatMap((p) => spans(spoken, p));
      const negated = yes.some(([ys, ye]) => negators.some(([ns, ne]) => ne <= ys || ns >= ye));
      if (negated) return { text: entry.text, fromCorpus: true };
    }
  }
  const negator = lex.negators.find((n) => !n.includes('*') && !lex.no.includes(n)) ?? lex.negators[0];
  return { text: `${negator} ${lex.yes[0]}`, fromCorpus: false };
}

/** The locale's first plain request for a person ("human", "Mensch", "humain", "insan"). */
const agentPhrase = (lng: string): string => {
  const phrase = (LEXICONS[lng] as LexiconFile).agent.find((p) => !p.includes('*'));
  if (!phrase) throw new Error(`${lng}/lexicon.json has no agent phrase without a wildcard`);
  return phrase;
};

// ---------------------------------------------------------------------------------------------
// The gateway

let gw: Gateway;
let configDir: string;
beforeAll(async () => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-paths-'));
  const configFile = path.join(configDir, 'gateway.config.json');
  fs.writeFileSync(configFile, JSON.stringify(OPERATOR));
  gw = await startGateway({
    GATEWAY_CONFIG: configFile,
    DEFAULT_LOCALE: AGENT_LOCALE,
    HUMAN_AGENT_NUMBER: HUMAN_AGENT,
    PRIVACY_URL,
  });
});
afterAll(async () => {
  await gw?.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

let callers = 0;
/** A caller number no other test uses, so a withdrawal in one test touches no other test's consents. */
const newCaller = (): string => `+43664${String(++callers).padStart(7, '0')}`;

/** A call to the locale's number; it starts and asserts the AI disclosure came first, in that language. */
async function call(lng: string, from = newCaller()): Promise<EmulatedCall> {
  const c = gw.emulator.placeCall({ from, to: numberOf(lng), fromCountry: CALLER_COUNTRY });
  await c.start();
  expect(c.errors).toEqual([]);
  expect(indexOf(c.heard, lng, 'disclosure')).toBe(0);
  said1(c.heard, lng, 'main');
  return c;
}

const dialOf = (c: EmulatedCall): Heard | undefined => c.heard.find((h) => h.verb === 'Dial');
const reachedAssistant = (c: EmulatedCall): boolean =>
  gw.assistantRequests.some((r) => r.body.CallSid === c.callSid);

/**
 * The caller was put through to the human team, and the agent heard exactly one sentence before
 * the bridge: `key` of the whisper, in the company's language.
 */
/** The whisper's locale: the company's, or its simple variant for a caller who chose that. */
function agentLocaleOf(callerLocale: string): string {
  const caller = parseLocaleName(callerLocale);
  return caller?.kind === 'simple' && caller.base === AGENT_LOCALE ? callerLocale : AGENT_LOCALE;
}

function expectHuman(c: EmulatedCall, key: string, extra: Vars = {}): void {
  const dial = dialOf(c);
  expect(dial?.number).toBe(HUMAN_AGENT);
  expect(c.errors).toEqual([]);
  expect(reachedAssistant(c)).toBe(false);
  const whisper = dial?.whisper ?? [];
  expect(whisper.filter((h) => h.verb === 'Say')).toHaveLength(1);
  said1(whisper, agentLocaleOf(gw.report(c.callSid).locale), key, extra);
}

test('the locales under test are the shipped locale folders, each with a complete catalog', () => {
  expect(LOCALES).toEqual(expect.arrayContaining(['de', 'en', 'fr', 'tr']));
  expect(gw.runtime.catalog.locales).toEqual(LOCALES);
});

describe.each(LOCALES)('a caller in %s', (lng) => {
  const other = LOCALES[(LOCALES.indexOf(lng) + 1) % LOCALES.length] as string;

  test('pressing 9 gives layer 2 (Art. 13) and the question again with the SMS on a key of its own; 3 texts the privacy link in their language, then the question comes again and 2 declines', async () => {
    const from = newCaller();
    const c = await call(lng, from);
    expect(times(c.heard, lng, 'age')).toBe(1);

    await c.press('9');
    // Art. 13 in full, each operator text in the caller's language: categories, third-country
    // transfer, legitimate interests, retention per purpose.
    said1(c.heard, lng, 'info');
    said1(c.heard, lng, 'infoInterests');
    said1(c.heard, lng, 'smsOffer', { smsKey: '3' });
    said1(c.heard, lng, 'smsHint', { smsKey: '3' });
    // Layer 2, the SMS offer, then the same question again, its SMS key last.
    expect(indexOf(c.heard, lng, 'info')).toBeLessThan(indexOf(c.heard, lng, 'smsOffer', { smsKey: '3' }));
    const afterInfo = c.heard.slice(indexOf(c.heard, lng, 'info'));
    said1(afterInfo, lng, 'main');
    expect(indexOf(afterInfo, lng, 'main')).toBeLessThan(indexOf(afterInfo, lng, 'smsHint', { smsKey: '3' }));
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, consentId: null });

    await c.press('3');
    said1(c.heard, lng, 'smsSent');
    // The main question is asked again, after the confirmation.
    expect(times(c.heard, lng, 'main')).toBe(3);
    const afterSms = c.heard.slice(indexOf(c.heard, lng, 'smsSent'));
    said1(afterSms, lng, 'main');
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, consentId: null });

    await gw.runJobs();
    const sms = gw.emulator.messages.filter((m) => m.to === from);
    expect(sms).toHaveLength(1);
    expect(sms[0]?.from).toBe(numberOf(lng));
    expect(sms[0]?.body).toContain(PRIVACY_URL);
    expect(sms[0]?.body).toMatch(prompt(lng, 'smsBody', { url: PRIVACY_URL }));

    await c.press('2');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({
      locale: lng,
      outcome: 'declined',
      consentStatus: 'declined',
      routedTo: 'human',
    });
    expect(report.purposes.call).toBe(false);
    expect(report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['info_requested', 'sms_requested', 'sms_sent', 'declined']),
    );
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    said1(c.heard, lng, 'declined');
    expectHuman(c, 'whisper.none');
  });

  test('after pressing 9, pressing 1 consents: 1 means yes to the question everywhere, and no SMS is sent', async () => {
    const from = newCaller();
    const c = await call(lng, from);
    await c.press('9');
    await c.press('1');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: null, consentStatus: 'active' });
    expect(report.purposes.call).toBe(true);
    expect(report.events.map((e) => e.type)).not.toContain('sms_requested');
    said1(c.heard, lng, 'granted');
    await gw.runJobs();
    expect(gw.emulator.messages.filter((m) => m.to === from)).toHaveLength(0);
  });

  test('pressing 0 on a later call withdraws every earlier consent of that number, confirms it in their language, and tells the agent', async () => {
    const from = newCaller();
    // Two earlier consents of this number, one of them given in another language.
    const first = await call(lng, from);
    await first.press('1');
    await first.press('1');
    await first.press('2');
    const second = await call(other, from);
    await second.press('1');
    await second.press('2');
    await second.press('2');
    // Someone else's consent, which must stay.
    const bystander = await call(lng);
    await bystander.press('1');
    await bystander.press('1');
    await bystander.press('1');
    for (const earlier of [first, second, bystander]) {
      expect(gw.report(earlier.callSid)).toMatchObject({ outcome: 'granted', consentStatus: 'active' });
    }

    const later = await call(lng, from);
    await later.press('0');
    expect(gw.report(first.callSid).consentStatus).toBe('withdrawn');
    expect(gw.report(second.callSid).consentStatus).toBe('withdrawn');
    expect(gw.report(bystander.callSid).consentStatus).toBe('active');

    const report = gw.report(later.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'withdrawn', routedTo: 'human', consentId: null });
    expect(report.events.map((e) => e.type)).toContain('withdrawn');
    said1(later.heard, lng, 'withdrawn');
    said1(later.heard, lng, 'handover');
    said1(later.heard, lng, 'handoverNoConsent');
    expect(times(later.heard, lng, 'handoverConsentHolds')).toBe(0);
    expect(indexOf(later.heard, lng, 'withdrawn')).toBeLessThan(indexOf(later.heard, lng, 'handover'));
    expectHuman(later, 'whisper.withdrawn');
  });

  test('pressing 7 after the age notice asks no consent and routes to a human, with the minor declared', async () => {
    const c = await call(lng);
    said1(c.heard, lng, 'age');
    await c.press('7');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, consentId: null, consentStatus: null, routedTo: 'human' });
    expect(report.purposes).toEqual({});
    const types = report.events.map((e) => e.type);
    expect(types).toContain('minor_declared');
    expect(types).not.toContain('granted');
    expect(types).not.toContain('declined');
    said1(c.heard, lng, 'minor');
    said1(c.heard, lng, 'handoverNoConsent');
    // No question about purposes follows the age statement.
    expect(times(c.heard, lng, 'main')).toBe(1);
    for (const p of OPERATOR.purposes.slice(1)) expect(times(c.heard, lng, `purposes.${p.id}`)).toBe(0);
    expectHuman(c, 'whisper.minor');
  });

  test(`pressing 8 opens the language menu; picking ${other} repeats the disclosure and question in ${other}`, async () => {
    const c = await call(lng);
    await c.press('8');
    // Every locale announces itself, in its own language, with its key.
    LOCALES.forEach((l, i) => said1(c.heard, l, 'language.choose', { digit: i + 1 }));
    expect(gw.report(c.callSid).events.map((e) => e.type)).toContain('language_menu');

    const before = c.heard.length;
    await c.press(String(LOCALES.indexOf(other) + 1));
    const after = c.heard.slice(before);
    expect(indexOf(after, other, 'disclosure')).toBe(0);
    said1(after, other, 'main');
    said1(after, other, 'age');
    if (other !== lng) expect(times(after, lng, 'main')).toBe(0);
    const report = gw.report(c.callSid);
    expect(report.locale).toBe(other);
    expect(report.events.map((e) => e.type)).toContain('language_changed');
    // The replayed disclosure is evidence too: a second `disclosed`, naming the new locale.
    const disclosed = gw.runtime.ledger
      .eventsForCall(c.callSid)
      .filter((e) => e.type === 'disclosed')
      .map((e) => (JSON.parse(e.data) as { locale: string }).locale);
    expect(disclosed).toEqual([lng, other]);

    // The caller answers in the new language and hears the answer confirmed in it.
    await c.press('2');
    said1(c.heard.slice(before), other, 'declined');
    expect(gw.report(c.callSid)).toMatchObject({ locale: other, outcome: 'declined' });
  });

  test(`saying "${agentPhrase(lng)}" reaches a human at once, with no consent asked`, async () => {
    const c = await call(lng);
    await c.say(agentPhrase(lng), 0.9);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, consentId: null, consentStatus: null, routedTo: 'human' });
    const types = report.events.map((e) => e.type);
    expect(types).not.toContain('reprompted');
    expect(types).not.toContain('granted');
    expect(types).not.toContain('declined');
    expect(times(c.heard, lng, 'main')).toBe(1);
    expect(times(c.heard, lng, 'reprompt')).toBe(0);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverNoConsent');
    expectHuman(c, 'whisper.none');
  });

  test(`a negated yes ("${negatedYes(lng).text}") is not consent`, async () => {
    const { text, fromCorpus } = negatedYes(lng);
    const c = await call(lng);
    await c.say(text, 0.92);
    const report = gw.report(c.callSid);
    expect(report.consentStatus).not.toBe('active');
    expect(report.purposes.call).not.toBe(true);
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    expect(reachedAssistant(c)).toBe(false);
    expect(times(c.heard, lng, 'granted')).toBe(0);
    if (fromCorpus) {
      // The corpus labels it a refusal: declined, told so, and put through to a person.
      expect(report).toMatchObject({ outcome: 'declined', consentStatus: 'declined', routedTo: 'human' });
      said1(c.heard, lng, 'declined');
      expectHuman(c, 'whisper.none');
    }
  });

  test('a yes recognised with confidence 0.2 is asked again, not taken as consent', async () => {
    const yes = (LEXICONS[lng] as LexiconFile).yes[0] as string;
    const c = await call(lng);
    await c.say(yes, 0.2);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ outcome: null, consentId: null, consentStatus: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    said1(c.heard, lng, 'reprompt');
    expect(times(c.heard, lng, 'main')).toBe(2);
    expect(times(c.heard, lng, 'granted')).toBe(0);
    // The same word heard clearly is consent: it was the confidence that held it back.
    await c.say(yes, 0.95);
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, method: 'speech', consentStatus: 'active' });
    expect(gw.report(c.callSid).purposes.call).toBe(true);
    said1(c.heard, lng, 'granted');
  });

  test('hanging up during the question leaves the call abandoned with nothing consented', async () => {
    const c = await call(lng);
    await c.hangup();
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'abandoned', consentId: null, consentStatus: null });
    expect(report.purposes).toEqual({});
    const types = report.events.map((e) => e.type);
    expect(types).toContain('abandoned');
    expect(types).not.toContain('granted');
    expect(dialOf(c)).toBeUndefined();
    expect(reachedAssistant(c)).toBe(false);
  });

  test('consenting with 1 and then asking for a person routes to a human; caller and agent are told the consent holds', async () => {
    const c = await call(lng);
    await c.press('1');
    said1(c.heard, lng, 'granted');
    await c.say(agentPhrase(lng), 0.9);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({
      locale: lng,
      outcome: 'granted',
      consentStatus: 'active',
      method: 'dtmf',
      routedTo: 'human',
    });
    expect(report.consentId).toMatch(/^CNS-/);
    expect(report.purposes.call).toBe(true);
    expect(report.purposes.ai_training).not.toBe(true);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverConsentHolds');
    expect(times(c.heard, lng, 'handoverNoConsent')).toBe(0);
    expectHuman(c, 'whisper.granted', {
      purposes: purposeName(agentLocaleOf(lng), 'call'),
      ref: (report.consentId ?? '').split('').join(' '),
    });
  });

  test('silence twice: asked again once, then put through to a human', async () => {
    const c = await call(lng);
    await c.silence();
    said1(c.heard, lng, 'reprompt');
    expect(times(c.heard, lng, 'main')).toBe(2);
    expect(dialOf(c)).toBeUndefined();
    await c.silence();
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'no_answer', routedTo: 'human', consentId: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
    expect(times(c.heard, lng, 'main')).toBe(2);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverNoConsent');
    expectHuman(c, 'whisper.none');
  });
});
