/**
 * Events are kept for ever and cannot be shredded, so they never quote what a caller said: the
 * classifier's reasons name the phrase heard ("speech matched minor phrase 'ich bin 15'"), and
 * that phrase is the caller's own words. Events keep the reason with every quoted phrase cut out;
 * the words themselves are kept only sealed with the caller's key (erasure destroys it).
 */
export function withoutQuotes(reason: string): string {
  // A quote closes before a space or the end, so "'d'accord'" and "'pas d'accord'" go whole.
  return reason.replace(/'.*?'(?=\s|$)/g, '…');
}
