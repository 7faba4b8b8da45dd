/**
 * Text folding shared by the lexicon and the recogniser's words, so both sides of a comparison are
 * written the same way whatever the speech engine and the lexicon author chose.
 */

/**
 * Lower case, punctuation gone, diacritics folded, whitespace collapsed. Turkish dotted and dotless
 * i are folded to a plain i before lower-casing, because the default `toLowerCase` turns "İ" into
 * "i" plus a combining dot and leaves "ı" alone: folded first, "HAYIR", "hayır" and "hayir" are
 * one word. Apostrophes split words ("d'accord" is "d accord", "don't" is "don t") so the lexicon
 * need not list both spellings. `*` survives because lexicon patterns use it as a wildcard. A
 * recogniser writes a drawn-out word as it heard it ("jaaa", "yesss", "ouiii", "tamaaam"): three or
 * more of one letter are that letter once. Spoken sounds a recogniser spells in pieces are one
 * word again (see {@link joinSpokenSounds}).
 */
export function normalize(text: string): string {
  return text
    .replace(/[İIı]/g, 'i')
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^\p{L}\p{N}\s*]/gu, ' ')
    .replace(/(\p{L})\1{2,}/gu, '$1')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(SPOKEN_SOUNDS, (_, okay: string | undefined, uhHuh: string | undefined) =>
      okay ? 'okay' : uhHuh ? 'uhhuh' : 'mhm',
    );
}

/**
 * Sounds a recogniser writes in pieces, some of them fillers on their own: "oh kay" and "ok kay"
 * are "okay", "uh huh" and "uh-huh" are "uhhuh", "mm hmm", "m hm" and "mmhmm" are "mhm". Joined,
 * a lexicon can list the sound as one word, and dropping the filler "uh", "oh" or "hm" can no longer
 * leave a "huh" (which alone asks "what?") or a "kay" behind.
 */
const SPOKEN_SOUNDS = /(?<![\p{L}\p{N}])(?:(?:o|oh|ok) (kay)|(?:uh|u|ah) ?(huh)|m+ ?h+m+)(?![\p{L}\p{N}])/gu;

/** Words of a normalised text; an empty text has none (not one empty word). */
export const words = (text: string): string[] => normalize(text).split(' ').filter(Boolean);
