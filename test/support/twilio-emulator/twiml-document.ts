/** A TwiML document as a call runs it, and what running one of its verbs leads to. */
import type { XmlElement } from '../twiml-parser';

export interface Doc {
  url: string;
  verbs: XmlElement[];
  index: number;
}

export type Step =
  | { kind: 'next' }
  | { kind: 'wait' }
  | { kind: 'end'; reason: string; callStatus?: string }
  | { kind: 'fetch'; url: string; method: string; params: Record<string, string> };
