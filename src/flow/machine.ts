import type { Answer, CallState, FlowEvent, HandoverReason, Lead, Step, Transition } from './types';

export interface FlowConfig {
  purposes: string[]; // ordered ids; the first is the main question
  locales: string[]; // ordered as the language menu announces them
  privacySms: boolean; // a privacy URL exists, so layer 3 can be offered by SMS
}

export const MAX_MISSES = 2;
/**
 * The key that asks for the privacy page by SMS: a key of its own, so that 1 means yes to the
 * consent question everywhere, also right after the information layer.
 */
export const SMS_KEY = '3';

const isSmsKey = (answer: Answer, config: FlowConfig): boolean =>
  config.privacySms && answer.via === 'dtmf' && answer.digits === SMS_KEY;

export function initialState(lng: string): CallState {
  return { lng, q: 'main', pi: 0, miss: 0, ans: {} };
}

/** The first question, after the AI disclosure has played to completion. */
export function firstStep(state: CallState, config: FlowConfig): Step {
  return ask(state, config, [], { startRecording: true, withDisclosure: false });
}

function ask(
  state: CallState,
  config: FlowConfig,
  lead: Lead[],
  opts: { startRecording?: boolean; withDisclosure?: boolean } = {},
): Step {
  const question = state.q === 'purpose' ? 'purpose' : 'main';
  return {
    kind: 'ask',
    question,
    purposeId: config.purposes[question === 'main' ? 0 : state.pi] ?? 'call',
    lead,
    startRecording: opts.startRecording ?? false,
    withDisclosure: opts.withDisclosure ?? false,
  };
}

function base(
  state: CallState,
  step: Step,
  events: FlowEvent[] = [],
  extra: Partial<Transition> = {},
): Transition {
  return { state, step, events, sequenceEnded: false, effects: [], ...extra };
}

function human(
  state: CallState,
  reason: HandoverReason,
  events: FlowEvent[],
  lead: Lead[],
  extra: Partial<Transition> = {},
): Transition {
  const consentHolds = Boolean(state.cid) && reason !== 'withdrawn' && reason !== 'minor';
  return base(
    state,
    { kind: 'human', reason, consentHolds, lead, stopRecording: true },
    [
      ...events,
      { type: 'recording_stop_requested' },
      { type: 'handover', to: 'human', reason, consentHolds },
    ],
    { sequenceEnded: true, ...extra },
  );
}

/**
 * The consent rules, as a reducer: (state, answer) → next step and the events to append.
 * Pure: no I/O, no clock. Anything but a clear yes never grants a purpose.
 */
export function transition(state: CallState, answer: Answer, config: FlowConfig): Transition {
  const s: CallState = { ...state, ans: { ...state.ans } };
  const questionName =
    s.q === 'purpose'
      ? (config.purposes[s.pi] ?? 'purpose')
      : s.q === 'main'
        ? (config.purposes[0] ?? 'call')
        : s.q;

  // Requests that mean the same at every question.
  // A caller handed to a person before deciding did not hang up: the question went unanswered.
  if (answer.intent === 'agent') {
    return human(s, 'agent_requested', [], [], { outcome: s.cid ? 'granted' : 'no_answer' });
  }
  if (answer.intent === 'withdraw') {
    const next: CallState = { ...s, cid: undefined };
    return human(next, 'withdrawn', [{ type: 'withdrawn', reason: answer.reason }], ['withdrawn'], {
      outcome: 'withdrawn',
      effects: ['withdraw_all'],
    });
  }
  if (answer.intent === 'minor' && (s.q === 'main' || s.q === 'purpose')) {
    // Art. 8 GDPR: a child's own consent does not count, so a consent given in this call is withdrawn too.
    const effects: Transition['effects'] = s.cid ? ['withdraw_all'] : [];
    const next: CallState = { ...s, cid: undefined };
    return human(next, 'minor', [{ type: 'minor_declared', reason: answer.reason }], ['minor'], {
      effects,
      outcome: s.cid ? 'withdrawn' : 'no_answer',
    });
  }

  switch (s.q) {
    case 'lang': {
      const chosen =
        answer.via === 'dtmf' && answer.digits ? config.locales[Number(answer.digits) - 1] : undefined;
      const back: CallState = { ...s, q: 'main', miss: 0, back: undefined };
      if (!chosen || chosen === s.lng) return base(back, ask(back, config, []));
      const switched: CallState = { ...back, lng: chosen };
      return base(switched, ask(switched, config, [], { withDisclosure: true }), [
        { type: 'language_changed', from: s.lng, to: chosen },
      ]);
    }
    // A state from before the SMS had a key of its own (a call in progress during a deploy).
    case 'sms': {
      const back: CallState = { ...s, q: s.back ?? 'main', miss: 0, back: undefined };
      if (answer.intent === 'yes')
        return base(back, ask(back, config, ['smsSent']), [{ type: 'sms_requested' }], {
          effects: ['send_privacy_sms'],
        });
      return base(back, ask(back, config, []));
    }
    case 'main':
    case 'purpose':
      break;
  }

  // Layer 2, then the same question again: the answer to it is an answer to the question.
  if (answer.intent === 'info') {
    const back = s.q === 'purpose' ? 'purpose' : 'main';
    const next: CallState = { ...s, miss: 0 };
    return base(next, { kind: 'info', back, smsOffer: config.privacySms }, [
      { type: 'info_requested', question: questionName },
    ]);
  }
  if (isSmsKey(answer, config)) {
    const next: CallState = { ...s, miss: 0 };
    return base(next, ask(next, config, ['smsSent']), [{ type: 'sms_requested' }], {
      effects: ['send_privacy_sms'],
    });
  }
  if (answer.intent === 'language' && s.q === 'main') {
    return base({ ...s, q: 'lang', back: 'main' }, { kind: 'languageMenu' }, [{ type: 'language_menu' }]);
  }

  if (answer.intent === 'yes' || answer.intent === 'no') {
    const granted = answer.intent === 'yes';
    const purpose = config.purposes[s.q === 'main' ? 0 : s.pi] ?? 'call';
    const main = s.q === 'main';
    s.ans[purpose] = granted;
    const event: FlowEvent = { type: granted ? 'granted' : 'declined', purpose, main, reason: answer.reason };
    if (main && !granted) {
      return human({ ...s, miss: 0 }, 'declined', [event], ['declined'], {
        decision: 'declined',
        outcome: 'declined',
      });
    }
    const nextIndex = main ? 1 : s.pi + 1;
    const decision = main ? ('granted' as const) : undefined;
    if (nextIndex < config.purposes.length) {
      const next: CallState = { ...s, q: 'purpose', pi: nextIndex, miss: 0 };
      const lead: Lead[] = main ? ['granted'] : [granted ? 'purposeGranted' : 'purposeDeclined'];
      return base(next, ask(next, config, lead), [event], { decision });
    }
    const done: CallState = { ...s, miss: 0 };
    return base(
      done,
      {
        kind: 'assistant',
        lead: [main ? 'granted' : granted ? 'purposeGranted' : 'purposeDeclined'],
        stopRecording: true,
      },
      [
        event,
        { type: 'recording_stop_requested' },
        { type: 'handover', to: 'assistant', reason: 'consent given', consentHolds: true },
      ],
      { decision, sequenceEnded: true, outcome: 'granted' },
    );
  }

  // Silence, unclear words, low confidence, a key with no meaning here.
  const miss = s.miss + 1;
  if (miss >= MAX_MISSES) {
    const reason: HandoverReason = s.q === 'purpose' ? 'purpose_no_answer' : 'no_answer';
    return human(
      { ...s, miss },
      reason,
      [{ type: 'no_answer', question: questionName }],
      [],
      s.cid ? { outcome: 'granted' } : { outcome: 'no_answer' },
    );
  }
  const next: CallState = { ...s, miss };
  return base(next, ask(next, config, ['reprompt']), [
    { type: 'reprompted', question: questionName, miss, reason: answer.reason },
  ]);
}
