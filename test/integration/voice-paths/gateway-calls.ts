/**
 * The gateway the voice-path tests call, started once per test file with the operator settings,
 * and what those tests do with it: place a call in a locale (asserting the AI disclosure came
 * first), and check that a caller was put through to the human team with the right whisper.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLocaleName } from '../../../src/i18n/locale-variants';
import { startGateway, type Gateway } from '../../support/gateway';
import type { EmulatedCall, Heard } from '../../support/twilio-emulator';
import { indexOf, said1, type Vars } from './expected-prompts';
import {
  AGENT_LOCALE,
  CALLER_COUNTRY,
  HUMAN_AGENT,
  numberOf,
  OPERATOR,
  PRIVACY_URL,
} from './locales-and-operator';

export interface VoicePaths {
  /** The running gateway (set once beforeAll has run). */
  readonly gw: Gateway;
  /** A call to the locale's number; it starts and asserts the AI disclosure came first, in that language. */
  call(lng: string, from?: string): Promise<EmulatedCall>;
  /** A caller number no other test uses, so a withdrawal in one test touches no other test's consents. */
  newCaller(): string;
  reachedAssistant(c: EmulatedCall): boolean;
  /**
   * The caller was put through to the human team, and the agent heard exactly one sentence before
   * the bridge: `key` of the whisper, in the company's language.
   */
  expectHuman(c: EmulatedCall, key: string, extra?: Vars): void;
}

export const dialOf = (c: EmulatedCall): Heard | undefined => c.heard.find((h) => h.verb === 'Dial');

/** The whisper's locale: the company's, or its simple variant for a caller who chose that. */
export function agentLocaleOf(callerLocale: string): string {
  const caller = parseLocaleName(callerLocale);
  return caller?.kind === 'simple' && caller.base === AGENT_LOCALE ? callerLocale : AGENT_LOCALE;
}

/** Starts the gateway before the file's tests and closes it after them. */
export function useVoicePathsGateway(): VoicePaths {
  let gateway: Gateway | undefined;
  let configDir: string;
  beforeAll(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-paths-'));
    const configFile = path.join(configDir, 'gateway.config.json');
    fs.writeFileSync(configFile, JSON.stringify(OPERATOR));
    gateway = await startGateway({
      GATEWAY_CONFIG: configFile,
      DEFAULT_LOCALE: AGENT_LOCALE,
      HUMAN_AGENT_NUMBER: HUMAN_AGENT,
      PRIVACY_URL,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  const gw = (): Gateway => {
    if (!gateway) throw new Error('the voice-paths gateway is not started (use it inside a test)');
    return gateway;
  };
  let callers = 0;
  const newCaller = (): string => `+43664${String(++callers).padStart(7, '0')}`;
  const reachedAssistant = (c: EmulatedCall): boolean =>
    gw().assistantRequests.some((r) => r.body.CallSid === c.callSid);

  return {
    get gw() {
      return gw();
    },
    newCaller,
    reachedAssistant,
    async call(lng, from = newCaller()) {
      const c = gw().emulator.placeCall({ from, to: numberOf(lng), fromCountry: CALLER_COUNTRY });
      await c.start();
      expect(c.errors).toEqual([]);
      expect(indexOf(c.heard, lng, 'disclosure')).toBe(0);
      said1(c.heard, lng, 'main');
      return c;
    },
    expectHuman(c, key, extra = {}) {
      const dial = dialOf(c);
      expect(dial?.number).toBe(HUMAN_AGENT);
      expect(c.errors).toEqual([]);
      expect(reachedAssistant(c)).toBe(false);
      const whisper = dial?.whisper ?? [];
      expect(whisper.filter((h) => h.verb === 'Say')).toHaveLength(1);
      said1(whisper, agentLocaleOf(gw().report(c.callSid).locale), key, extra);
    },
  };
}
