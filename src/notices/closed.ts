import twilio from 'twilio';
import { stopRecording } from '../twiml/speaker';

/** The per-call notice of a call taken while no approved version may play: nothing was said. */
export const NOTHING_SAID = JSON.stringify({
  texts: {},
  note: 'no approved notice version: nothing was said, nothing recorded, the caller went to a human',
});

/**
 * What a caller gets while no approved notice version may play: no text at all (every text would
 * be unapproved), no recording, straight to the human team; without one (development only) the
 * call ends.
 */
export function closedIncoming(humanAgent: string | null): string {
  const r = new twilio.twiml.VoiceResponse();
  stopRecording(r);
  if (!humanAgent) {
    r.hangup();
    return r.toString();
  }
  const dial = r.dial({ timeout: 25, answerOnBridge: true });
  if (humanAgent.startsWith('sip:')) dial.sip({}, `${humanAgent}?X-Consent-Status=none`);
  else dial.number({}, humanAgent);
  return r.toString();
}

/** The fail-safe answers when nothing may be said: the same as FailSafeTwiml, without words. */
export const silentFailSafe = (humanAgent: string | null) => ({
  handover: (): string => closedIncoming(humanAgent),
  afterDial: (): string => {
    const r = new twilio.twiml.VoiceResponse();
    stopRecording(r);
    r.hangup();
    return r.toString();
  },
  whisper: (): string => new twilio.twiml.VoiceResponse().toString(),
});
