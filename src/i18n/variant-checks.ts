import fs from 'node:fs';
import path from 'node:path';
import { leavesOf, positionOf, readJsonFile, JsonPositionError } from './locale-json';
import type { LocaleFinding } from './locale-checks';
import { parseLocaleName } from './locale-variants';
import { placeholdersOf } from './spoken-keys';

/**
 * What `consent locales check` asks of a simple-language variant (locales/de-simple/) beyond what
 * every locale must hold: each text still carries every piece of information its language's text
 * carries (the same placeholders: the controller, the recipients, the transfer, ... are mandatory
 * information, and a simpler sentence may not drop one), and its sentences stay short.
 * Country variants are checked as they are loaded (catalog.ts: only keys their language has).
 */

/** Words per sentence above which a simple-language text is flagged (a placeholder counts as one). */
export const SIMPLE_SENTENCE_WORDS = 16;

const textsOf = (file: string, label: string) => {
  const { text, tree } = readJsonFile(file, label);
  const leaves = leavesOf(tree, () => undefined).filter((l) => l.node.type === 'string');
  return { text, leaves: new Map(leaves.map((l) => [l.key, l])) };
};

export function longSentences(text: string, max = SIMPLE_SENTENCE_WORDS): string[] {
  return text
    .replace(/\{\{[^}]*\}\}/g, 'X')
    .split(/(?<=[.!?])\s+/)
    .filter((s) => s.split(/\s+/).filter(Boolean).length > max);
}

export function checkVariantTexts(localesDir: string): LocaleFinding[] {
  const findings: LocaleFinding[] = [];
  const names = fs.existsSync(localesDir) ? fs.readdirSync(localesDir).sort() : [];
  for (const name of names) {
    const parsed = parseLocaleName(name);
    if (parsed?.kind !== 'simple') continue;
    const ownFile = path.join(localesDir, name, 'prompts.json');
    const baseFile = path.join(localesDir, parsed.base, 'prompts.json');
    if (!fs.existsSync(ownFile) || !fs.existsSync(baseFile)) continue; // readLocales reports it
    let own, base;
    try {
      own = textsOf(ownFile, `${name}/prompts.json`);
      base = textsOf(baseFile, `${parsed.base}/prompts.json`);
    } catch (error) {
      if (error instanceof JsonPositionError) continue; // readLocales reports it
      throw error;
    }
    for (const [key, leaf] of own.leaves) {
      const at = positionOf(own.text, leaf.node.offset, `${name}/prompts.json`);
      const value = String(leaf.node.value);
      const baseLeaf = base.leaves.get(key);
      if (baseLeaf) {
        const has = new Set(placeholdersOf(value));
        const dropped = [...new Set(placeholdersOf(String(baseLeaf.node.value)))].filter((v) => !has.has(v));
        for (const v of dropped)
          findings.push({
            level: 'error',
            at,
            message: `"${key}" leaves out {{${v}}}, which ${parsed.base} says: simple language keeps every piece of information`,
          });
      }
      if (key.startsWith('whisper.') || key.startsWith('operatorDefaults.') || key === 'smsBody') continue;
      for (const sentence of longSentences(value))
        findings.push({
          level: 'warning',
          at,
          message: `"${key}" has a sentence of more than ${SIMPLE_SENTENCE_WORDS} words, long for simple language: "${sentence}"`,
        });
    }
  }
  return findings;
}
