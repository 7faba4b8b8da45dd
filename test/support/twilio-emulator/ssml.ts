/** The SSML Twilio accepts inside <Say>, checked as Twilio checks it. */
import { childElements, type XmlElement } from '../twiml-parser';

/** SSML elements Twilio documents inside <Say>; it applies them to Amazon Polly and Google voices only. */
const SSML_ELEMENTS = new Set([
  'break',
  'emphasis',
  'lang',
  'p',
  'phoneme',
  'prosody',
  's',
  'say-as',
  'sub',
  'w',
]);
const PROSODY_RATE = /^(x-slow|slow|medium|fast|x-fast|\d{1,3}%)$/;

/** The <prosody rate> of a <Say>; throws (an application error) on SSML Twilio would refuse. */
export function sayRate(say: XmlElement): string | undefined {
  let rate: string | undefined;
  const walk = (el: XmlElement): void => {
    for (const child of childElements(el)) {
      if (!SSML_ELEMENTS.has(child.name)) throw new Error(`<${child.name}> is not SSML that <Say> takes`);
      if (!/^(Polly|Google)\./.test(say.attrs.voice ?? ''))
        throw new Error(
          `SSML <${child.name}> needs a Polly or Google voice, not "${say.attrs.voice ?? 'default'}"`,
        );
      if (child.name === 'prosody' && child.attrs.rate !== undefined) {
        if (!PROSODY_RATE.test(child.attrs.rate))
          throw new Error(`invalid prosody rate "${child.attrs.rate}"`);
        rate = child.attrs.rate;
      }
      walk(child);
    }
  };
  walk(say);
  return rate;
}
