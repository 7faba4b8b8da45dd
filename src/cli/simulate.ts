import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderSettings } from '../app';
import { fixedSpeech, speechOf } from '../notices/speech';
import { inlineCallWriter } from '../calls/call-writers';
import { CallService, type Params } from '../calls/call-service';
import { loadConfig, localesDir, promptsDir } from '../config';
import { KeyRing } from '../crypto/keyring';
import { classify } from '../flow/intents';
import { Catalog } from '../i18n/catalog';
import { Ledger } from '../ledger';
import { createLogger } from '../logger';
import { parseTwiml, type TwimlNode } from '../twiml/parse';

type Out = { out: (s: string) => void; err: (s: string) => void };

const COUNTRY_OF: Record<string, string> = { de: 'DE', en: 'GB', tr: 'TR', fr: 'FR' };

/**
 * Plays a call through the real flow, renderer and ledger code (on a throw-away ledger) and prints
 * what the caller hears, so operators can check a locale edit before deploying it.
 */
export async function simulate(args: string[], io: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      lang: { type: 'string' },
      press: { type: 'string' },
      say: { type: 'string', multiple: true },
      country: { type: 'string' },
    },
  });
  const inputs: Params[] = [];
  for (const d of (values.press ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean))
    inputs.push(d === '-' ? {} : { Digits: d });
  for (const s of values.say ?? []) inputs.push({ SpeechResult: s, Confidence: '0.9' });
  const config = loadConfig({ ...process.env, DATABASE_PATH: ':memory:' });
  const catalog = Catalog.load(localesDir(), promptsDir());
  const lng = values.lang ?? config.defaultLocale;
  if (!catalog.has(lng)) {
    io.err(`no locale ${lng}; available: ${catalog.locales.join(', ')}\n`);
    return 2;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consent-sim-'));
  const ledger = new Ledger(path.join(dir, 'sim.db'), new KeyRing(config.keyRing.entries));
  try {
    const calls = new CallService({
      config,
      ledger,
      writer: inlineCallWriter(ledger),
      // The files as they are, approved or not: simulate is how an operator hears a draft.
      speech: fixedSpeech(
        speechOf(catalog, renderSettings(config), config.operator.ageOfConsent.default ?? 16),
      ),
      log: createLogger('silent'),
    });
    const callSid = `CA${crypto.randomBytes(16).toString('hex')}`;
    const base: Params = {
      CallSid: callSid,
      From: '+4915100000000',
      To: '+4930000000',
      FromCountry: values.country ?? COUNTRY_OF[lng] ?? '',
    };
    let twiml = await calls.incoming(base);
    for (let turn = 0; turn < 40; turn += 1) {
      const next = walk(parseTwiml(twiml), io);
      if (!next) break;
      const url = new URL(next.url);
      const state = url.searchParams.get('s') ?? undefined;
      if (next.gather) {
        const input = inputs.shift();
        if (input === undefined) {
          io.out('  [caller: silence]\n');
        } else
          io.out(
            `  [caller: ${input.Digits ? `presses ${input.Digits}` : `says "${input.SpeechResult}"`}]\n`,
          );
        if (input?.SpeechResult !== undefined) {
          // The ledger keeps the rule without the caller's words; the operator here sees both, from
          // the same function and inputs the call service uses.
          const heard = classify(
            { speech: input.SpeechResult, confidence: Number(input.Confidence) },
            catalog.lexicon(ledger.getCall(callSid)?.locale ?? lng),
            { minConfidence: config.minSpeechConfidence },
          );
          io.out(`  [heard as ${heard.intent}: ${heard.reason}]\n`);
        }
        twiml = await calls.answer({ ...base, ...(input ?? {}) }, state);
      } else if (url.pathname.endsWith('/voice/consent')) twiml = await calls.consentStart(base, state);
      else twiml = await calls.answer(base, state);
    }
    io.out(
      `\n${JSON.stringify({ outcome: ledger.getCall(callSid)?.outcome ?? null, routedTo: ledger.getCall(callSid)?.routed_to })}\n`,
    );
    return 0;
  } finally {
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints what is heard and returns where the call goes next (a gather action or a redirect), if anywhere. */
function walk(response: TwimlNode, io: Out): { url: string; gather: boolean } | null {
  for (const verb of response.children) {
    switch (verb.name) {
      case 'Say':
        io.out(`${verb.text.trim()}\n`);
        break;
      case 'Play':
        io.out(`[plays ${verb.text.trim()}]\n`);
        break;
      case 'Gather':
        walk({ ...verb, name: 'Response' }, io);
        return { url: verb.attrs.action ?? '', gather: true };
      case 'Redirect': {
        const target = verb.text.trim();
        if (!target.includes('/voice/')) {
          io.out(`[redirect to the assistant: ${target.split('?')[0]}]\n`);
          return null;
        }
        return { url: target, gather: false };
      }
      case 'Dial':
        io.out(`[dials the human team: ${verb.children.map((c) => c.text.trim()).join(', ')}]\n`);
        return null;
      case 'Connect':
        io.out('[connects the media stream of the assistant]\n');
        return null;
      case 'Hangup':
        io.out('[hangs up]\n');
        return null;
      case 'Start':
        io.out('[recording of the consent sequence starts]\n');
        break;
      case 'Stop':
        io.out('[recording stops]\n');
        break;
    }
  }
  return null;
}
