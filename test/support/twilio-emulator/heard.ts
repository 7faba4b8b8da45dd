/** What a caller hears of the verbs that speak: <Say> (with its SSML rate), <Play> and <Pause>. */
import { textContent, type XmlElement } from '../twiml-parser';
import { sayRate } from './ssml';
import type { Doc } from './twiml-document';
import type { Heard } from './types';

/** Throws (an application error) on a verb that does not speak, as Twilio refuses it inside <Gather>. */
export function heardOf(el: XmlElement, doc: Doc): Heard {
  const attrs = { ...el.attrs };
  switch (el.name) {
    case 'Say': {
      const rate = sayRate(el);
      return {
        verb: 'Say',
        text: textContent(el).replace(/\s+/g, ' ').trim(),
        language: attrs.language,
        voice: attrs.voice,
        ...(rate ? { rate } : {}),
        attrs,
      };
    }
    case 'Play': {
      const src = textContent(el).trim();
      return { verb: 'Play', url: src ? new URL(src, doc.url).toString() : undefined, attrs };
    }
    case 'Pause':
      return { verb: 'Pause', attrs };
    default:
      throw new Error(`<${el.name}> cannot be nested in <Gather>`);
  }
}
