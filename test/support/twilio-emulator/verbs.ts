/**
 * One TwiML verb executed as Twilio executes it: what the caller hears, what it starts or stops
 * (recordings, an SMS), and whether the call goes on, waits for the caller, fetches another
 * document or ends. A verb Twilio would refuse throws, which the call turns into an application error.
 */
import { childElements, textContent, type XmlElement } from '../twiml-parser';
import type { EmulatedCall } from './call';
import { withCallStatus } from './call-params';
import { dial } from './dial';
import type { TwilioEmulator } from './emulator';
import { heardOf } from './heard';
import { activeRecordings } from './recordings';
import type { Doc, Step } from './twiml-document';
import type { DialOutcome, Heard } from './types';
import { newSid } from './wire-format';

const GATHER_NESTABLE = new Set(['Say', 'Play', 'Pause']);

/** What the call running a verb lends it: its state lives in the call, which these callbacks change. */
export interface VerbHost {
  readonly emulator: TwilioEmulator;
  readonly call: EmulatedCall;
  readonly dialOutcome: DialOutcome;
  /** The call now waits at this <Gather> for the caller. */
  awaitInput(gather: XmlElement, doc: Doc): void;
  /** The call is now bridged to a <Connect> target (only a hangup ends it). */
  bridge(): void;
}

/** What the caller heard of a verb, and whether their call was being recorded while they heard it. */
function callerHeard(call: EmulatedCall, el: XmlElement, doc: Doc): Heard {
  const heard = heardOf(el, doc);
  return heard.verb === 'Say' ? { ...heard, recording: call.isRecording() } : heard;
}

export async function executeVerb(host: VerbHost, verb: XmlElement, doc: Doc): Promise<Step> {
  const { call, emulator } = host;
  const attrs = verb.attrs;
  switch (verb.name) {
    case 'Say':
    case 'Play':
    case 'Pause':
      call.heard.push(callerHeard(call, verb, doc));
      return { kind: 'next' };
    case 'Gather': {
      const input = (attrs.input ?? 'dtmf').split(/\s+/);
      if (input.some((i) => i !== 'dtmf' && i !== 'speech'))
        throw new Error(`invalid Gather input "${attrs.input}"`);
      if (attrs.numDigits !== undefined && !/^[1-9][0-9]*$/.test(attrs.numDigits)) {
        throw new Error(`invalid Gather numDigits "${attrs.numDigits}"`);
      }
      for (const child of childElements(verb)) {
        if (!GATHER_NESTABLE.has(child.name)) throw new Error(`<${child.name}> cannot be nested in <Gather>`);
        call.heard.push(callerHeard(call, child, doc));
      }
      host.awaitInput(verb, doc);
      return { kind: 'wait' };
    }
    case 'Redirect': {
      const target = textContent(verb).trim();
      if (!target) throw new Error('<Redirect> without a URL');
      const url = new URL(target, doc.url).toString();
      call.heard.push({ verb: 'Redirect', url, attrs: { ...attrs } });
      return {
        kind: 'fetch',
        url,
        method: (attrs.method ?? 'POST').toUpperCase(),
        params: withCallStatus(call.params),
      };
    }
    case 'Hangup':
      call.heard.push({ verb: 'Hangup', attrs: { ...attrs } });
      return { kind: 'end', reason: 'hangup' };
    case 'Reject':
      return {
        kind: 'end',
        reason: 'rejected',
        callStatus: attrs.reason === 'busy' ? 'busy' : 'no-answer',
      };
    case 'Dial':
      return dial(emulator, call, host.dialOutcome, verb, doc);
    case 'Connect': {
      const target = childElements(verb)[0];
      const url = target?.attrs.url;
      call.heard.push({
        verb: 'Connect',
        url,
        text: target?.name,
        attrs: { ...attrs, ...(target?.attrs ?? {}) },
      });
      host.bridge();
      return { kind: 'wait' };
    }
    case 'Start':
      for (const child of childElements(verb)) {
        if (child.name !== 'Recording') continue;
        const a = child.attrs;
        emulator.createRecording(call, 'StartCallRecording', {
          name: a.name,
          callback: a.recordingStatusCallback
            ? new URL(a.recordingStatusCallback, doc.url).toString()
            : undefined,
          method: a.recordingStatusCallbackMethod,
          events: a.recordingStatusCallbackEvent,
          track: a.track,
          channels: a.channels,
        });
      }
      return { kind: 'next' };
    case 'Stop':
      for (const child of childElements(verb)) {
        if (child.name !== 'Recording') continue;
        const active = activeRecordings(emulator, call.callSid);
        const name = child.attrs.name;
        const target = name ? active.find((r) => r.name === name) : active[active.length - 1];
        if (target) emulator.stopRecording(target);
      }
      return { kind: 'next' };
    case 'Sms': {
      const to = attrs.to ?? call.params.From ?? '';
      const from = attrs.from ?? call.params.To ?? '';
      const text = textContent(verb).trim();
      emulator.messages.push({ sid: newSid('SM'), to, from, body: text });
      call.heard.push({ verb: 'Sms', text, number: to, attrs: { ...attrs } });
      return { kind: 'next' };
    }
    default:
      throw new Error(`the emulator does not support <${verb.name}>`);
  }
}
