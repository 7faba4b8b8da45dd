import twilio from 'twilio';
import { Speaker, stopRecording } from './speaker';

/**
 * What a caller hears when a voice webhook cannot be served as planned (a state it cannot read,
 * a ledger error, any exception). The consent recording is stopped first, so that "your call with
 * our staff will not be recorded" is true when it is said (§ 201 StGB); then a human takes over.
 * Nothing here reads the ledger or the call state: it must work when they do not.
 */
export class FailSafeTwiml {
  private readonly cache = new Map<string, string>();

  constructor(private readonly v: Speaker) {}

  /** Stop the recording, apologise, hand over to the human team (or apologise and end without one). */
  handover(lng: string): string {
    const safe = this.v.safeLocale(lng);
    let twiml = this.cache.get(safe);
    if (twiml === undefined) {
      twiml = this.build(safe);
      this.cache.set(safe, twiml);
    }
    return twiml;
  }

  private build(lng: string): string {
    const vars = this.v.vars(lng, 16);
    const agent = this.v.s.humanAgent;
    const r = new twilio.twiml.VoiceResponse();
    stopRecording(r);
    this.v.speak(r, lng, 'error', vars);
    if (!agent) {
      this.v.speak(r, lng, 'noAgent', vars);
      r.hangup();
      return r.toString();
    }
    this.v.speak(r, lng, 'handover', vars);
    this.v.speak(r, lng, 'handoverNoConsent', vars);
    // No action URL: the Dial's end must not lead back into a route that just failed.
    const dial = r.dial({ timeout: 25, answerOnBridge: true });
    if (agent.startsWith('sip:')) dial.sip({}, `${agent}?X-Consent-Status=none`);
    else dial.number({}, agent);
    return r.toString();
  }

  /** The Dial to the team has ended and its webhook failed: the recording stops, the call ends. */
  afterDial(lng: string, answered: boolean): string {
    const safe = this.v.safeLocale(lng);
    const r = new twilio.twiml.VoiceResponse();
    stopRecording(r);
    if (!answered) this.v.speak(r, safe, 'noAgent', this.v.vars(safe, 16));
    r.hangup();
    return r.toString();
  }

  /** The agent's leg, not the caller's: tell the agent nothing is known to be consented, then bridge. */
  whisper(): string {
    const lng = this.v.s.defaultLocale;
    const r = new twilio.twiml.VoiceResponse();
    this.v.speak(r, lng, 'whisper.none', {});
    return r.toString();
  }
}
