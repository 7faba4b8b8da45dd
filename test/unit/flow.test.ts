import { firstStep, initialState, transition, type FlowConfig } from '../../src/flow/machine';
import type { Answer, CallState } from '../../src/flow/types';
import type { Intent } from '../../src/flow/intents';

const config: FlowConfig = {
  purposes: ['call', 'ai_training', 'personalization'],
  locales: ['de', 'en', 'fr', 'tr'],
  privacySms: true,
};
const key = (intent: Intent, digits?: string): Answer => ({
  intent,
  via: digits ? 'dtmf' : 'none',
  reason: 'test',
  digits,
});
const yes = key('yes', '1');
const no = key('no', '2');
const silence = key('unclear');

function run(answers: Answer[], start: CallState = initialState('de'), cfg = config) {
  let state = start;
  const all = [];
  for (const a of answers) {
    const t = transition(state, a, cfg);
    all.push(t);
    state = t.decision === 'granted' ? { ...t.state, cid: 'CNS-TEST' } : t.state;
  }
  return { last: all[all.length - 1]!, all, state };
}

describe('call flow', () => {
  test('when the call starts, the first question starts the recording', () => {
    const step = firstStep(initialState('de'), config);
    expect(step).toMatchObject({ kind: 'ask', question: 'main', purposeId: 'call', startRecording: true });
  });

  test('when the caller consents to everything, they go to the assistant with every purpose granted', () => {
    const { last, all, state } = run([yes, yes, yes]);
    expect(all[0]!.decision).toBe('granted');
    expect(all[0]!.step).toMatchObject({ kind: 'ask', question: 'purpose', purposeId: 'ai_training' });
    expect(last.step.kind).toBe('assistant');
    expect(last.outcome).toBe('granted');
    expect(last.sequenceEnded).toBe(true);
    expect(state.ans).toEqual({ call: true, ai_training: true, personalization: true });
  });

  test('when the caller refuses an extra purpose, only that purpose is refused', () => {
    const { last, state } = run([yes, no, yes]);
    expect(last.step.kind).toBe('assistant');
    expect(state.ans).toEqual({ call: true, ai_training: false, personalization: true });
  });

  test('when the caller says no to the main question, they are told and connected to a human without consent', () => {
    const { last } = run([no]);
    expect(last.decision).toBe('declined');
    expect(last.outcome).toBe('declined');
    expect(last.step).toMatchObject({
      kind: 'human',
      reason: 'declined',
      consentHolds: false,
      stopRecording: true,
    });
    expect(last.events.map((e) => e.type)).toEqual(['declined', 'recording_stop_requested', 'handover']);
  });

  test('when the caller is silent twice, they reach a human and nothing is consented', () => {
    const { all, last } = run([silence, silence]);
    expect(all[0]!.step).toMatchObject({ kind: 'ask', lead: ['reprompt'] });
    expect(all[0]!.events[0]).toMatchObject({ type: 'reprompted', miss: 1 });
    expect(last.step).toMatchObject({ kind: 'human', reason: 'no_answer', consentHolds: false });
    expect(last.outcome).toBe('no_answer');
    expect(all.some((t) => t.decision === 'granted')).toBe(false);
  });

  test('when the caller asks for information, layer 2 plays and the same question comes again, where 1 still means yes', () => {
    const { all, state } = run([key('info', '9'), yes]);
    expect(all[0]!.step).toEqual({ kind: 'info', back: 'main', smsOffer: true });
    expect(all[0]!.events).toEqual([{ type: 'info_requested', question: 'call' }]);
    expect(all[0]!.state.q).toBe('main');
    expect(all[1]!.decision).toBe('granted');
    expect(all[1]!.effects).toEqual([]);
    expect(state.ans).toEqual({ call: true });
  });

  test('the privacy SMS has a key of its own (3): it is sent, and the question is asked again', () => {
    const { all } = run([key('info', '9'), key('unclear', '3'), yes]);
    expect(all[1]!.effects).toEqual(['send_privacy_sms']);
    expect(all[1]!.events).toEqual([{ type: 'sms_requested' }]);
    expect(all[1]!.step).toMatchObject({ kind: 'ask', question: 'main', lead: ['smsSent'] });
    expect(all[1]!.decision).toBeUndefined();
    expect(all[2]!.decision).toBe('granted');
  });

  test('after information on an extra purpose, 1 grants that purpose', () => {
    const { all, state } = run([yes, key('info', '9'), yes]);
    expect(all[1]!.step).toEqual({ kind: 'info', back: 'purpose', smsOffer: true });
    expect(state.ans).toEqual({ call: true, ai_training: true });
  });

  test('without a privacy page, 3 is a key with no meaning: asked again, nothing sent', () => {
    const t = transition(initialState('de'), key('unclear', '3'), { ...config, privacySms: false });
    expect(t.effects).toEqual([]);
    expect(t.step).toMatchObject({ kind: 'ask', lead: ['reprompt'] });
  });

  test('when no privacy page is configured, information is followed directly by the question', () => {
    const t = transition(initialState('de'), key('info', '9'), { ...config, privacySms: false });
    expect(t.step).toEqual({ kind: 'info', back: 'main', smsOffer: false });
    expect(t.state.q).toBe('main');
  });

  test('when the caller withdraws, every consent is withdrawn and a consent given in this call no longer holds', () => {
    const { last } = run([yes, key('withdraw', '0')]);
    expect(last.effects).toEqual(['withdraw_all']);
    expect(last.outcome).toBe('withdrawn');
    expect(last.step).toMatchObject({
      kind: 'human',
      reason: 'withdrawn',
      consentHolds: false,
      lead: ['withdrawn'],
    });
  });

  test('when the caller asks for a person before deciding, the question counts as unanswered, not abandoned', () => {
    const { last } = run([key('agent')]);
    expect(last.step).toMatchObject({ kind: 'human', reason: 'agent_requested', consentHolds: false });
    expect(last.outcome).toBe('no_answer');
  });

  test('when the caller asks for a person after consenting, the consent holds through the handover', () => {
    const { last } = run([yes, key('agent')]);
    expect(last.step).toMatchObject({ kind: 'human', reason: 'agent_requested', consentHolds: true });
  });

  test('when the caller says they are under age, no consent is asked and they reach a human', () => {
    const { last } = run([key('minor', '7')]);
    expect(last.step).toMatchObject({ kind: 'human', reason: 'minor', consentHolds: false });
    expect(last.decision).toBeUndefined();
    // Handed to a person, not hung up: a later hang-up must not make the call `abandoned`.
    expect(last.outcome).toBe('no_answer');
  });

  test('when the caller picks a language, the disclosure and question are repeated in it', () => {
    const { all, state } = run([
      key('language', '8'),
      { intent: 'unclear', via: 'dtmf', digits: '2', reason: 'menu' },
    ]);
    expect(all[0]!.step.kind).toBe('languageMenu');
    expect(all[1]!.events).toEqual([{ type: 'language_changed', from: 'de', to: 'en' }]);
    expect(all[1]!.step).toMatchObject({ kind: 'ask', question: 'main', withDisclosure: true });
    expect(state.lng).toBe('en');
  });

  test.each<Intent>(['no', 'info', 'withdraw', 'agent', 'minor', 'language', 'unclear'])(
    'anything but a clear yes (%s) never grants a purpose, at any question',
    (intent) => {
      for (const start of [
        initialState('de'),
        { ...initialState('de'), q: 'purpose' as const, pi: 1, cid: 'CNS-X', ans: { call: true } },
      ]) {
        for (const via of ['dtmf', 'speech', 'none'] as const) {
          const t = transition(
            start,
            { intent, via, reason: 'test', digits: via === 'dtmf' ? '5' : undefined },
            config,
          );
          expect(t.events.some((e) => e.type === 'granted')).toBe(false);
          expect(t.decision).not.toBe('granted');
          expect(Object.entries(t.state.ans).filter(([k, v]) => v && !start.ans[k])).toEqual([]);
        }
      }
    },
  );
});
