/**
 * <Dial>: the agent leg answers with the call's dial outcome; a <Number url> first runs the
 * agent's screening (whisper) TwiML, and an agent who hangs up there is not bridged. The caller's
 * call then follows the <Dial action> with DialCallStatus, as Twilio does.
 */
import { childElements, parseXml, textContent, type XmlElement } from '../twiml-parser';
import type { EmulatedCall } from './call';
import { withCallStatus } from './call-params';
import type { TwilioEmulator } from './emulator';
import { heardOf } from './heard';
import type { Doc, Step } from './twiml-document';
import type { DialOutcome, Heard } from './types';
import { API_VERSION, newSid } from './wire-format';

const DIAL_NOUNS = ['Number', 'Sip', 'Client', 'Conference', 'Queue', 'Application'];

export async function dial(
  emulator: TwilioEmulator,
  call: EmulatedCall,
  dialOutcome: DialOutcome,
  verb: XmlElement,
  doc: Doc,
): Promise<Step> {
  const nouns = childElements(verb);
  const target = nouns[0];
  const number = (target ? textContent(target) : textContent(verb)).trim();
  if (!number) throw new Error('<Dial> without a number');
  if (target && !DIAL_NOUNS.includes(target.name)) {
    throw new Error(`<${target.name}> cannot be nested in <Dial>`);
  }
  const childSid = newSid('CA');
  let whisper: Heard[] | undefined;
  let whisperUrl: string | undefined;
  let outcome = dialOutcome;
  if (target?.attrs.url && outcome === 'completed') {
    whisperUrl = new URL(target.attrs.url, doc.url).toString();
    whisper = [];
    const answered = await runWhisper(
      emulator,
      call,
      whisperUrl,
      (target.attrs.method ?? 'POST').toUpperCase(),
      {
        AccountSid: call.params.AccountSid ?? '',
        ApiVersion: API_VERSION,
        CallSid: childSid,
        ParentCallSid: call.callSid,
        CallStatus: 'in-progress',
        Direction: 'outbound-dial',
        From: verb.attrs.callerId ?? call.params.From ?? '',
        To: number,
        Caller: verb.attrs.callerId ?? call.params.From ?? '',
        Called: number,
      },
      whisper,
    );
    if (!answered) outcome = 'no-answer';
  }
  call.heard.push({
    verb: 'Dial',
    recording: call.isRecording(),
    number,
    text: target?.name ?? 'Number',
    url: whisperUrl,
    whisper,
    attrs: { ...verb.attrs, ...(target?.attrs ?? {}) },
  });
  const action = verb.attrs.action;
  if (!action) return { kind: 'next' };
  const params: Record<string, string> = {
    ...withCallStatus(call.params),
    DialCallStatus: outcome,
    DialCallSid: childSid,
  };
  if (outcome === 'completed') params.DialCallDuration = '1';
  return {
    kind: 'fetch',
    url: new URL(action, doc.url).toString(),
    method: (verb.attrs.method ?? 'POST').toUpperCase(),
    params,
  };
}

/** Runs the agent leg's screening TwiML; returns false when it hangs up (the agent is not bridged). */
async function runWhisper(
  emulator: TwilioEmulator,
  call: EmulatedCall,
  url: string,
  method: string,
  params: Record<string, string>,
  out: Heard[],
): Promise<boolean> {
  let next: { url: string; method: string } | undefined = { url, method };
  for (let hops = 0; next && hops < 10; hops++) {
    const res = await emulator.webhook('whisper', call.callSid, next.method, next.url, params);
    const docUrl: string = next.url;
    next = undefined;
    let root: XmlElement;
    try {
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      root = parseXml(res.body);
      if (root.name !== 'Response') throw new Error(`root <${root.name}>`);
    } catch (e) {
      call.errors.push(`whisper ${docUrl}: ${e instanceof Error ? e.message : String(e)}`);
      out.push({ verb: 'Say', text: 'APPLICATION ERROR', attrs: {} });
      return false;
    }
    const doc: Doc = { url: docUrl, verbs: childElements(root), index: 0 };
    for (const verb of doc.verbs) {
      if (verb.name === 'Say' || verb.name === 'Play' || verb.name === 'Pause') out.push(heardOf(verb, doc));
      else if (verb.name === 'Gather') {
        for (const child of childElements(verb)) out.push(heardOf(child, doc));
        break;
      } else if (verb.name === 'Hangup' || verb.name === 'Reject') return false;
      else if (verb.name === 'Redirect') {
        next = {
          url: new URL(textContent(verb).trim(), docUrl).toString(),
          method: verb.attrs.method ?? 'POST',
        };
        break;
      }
    }
  }
  return true;
}
