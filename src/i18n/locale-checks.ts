import fs from 'node:fs';
import path from 'node:path';
import { leavesOf, positionOf, readJsonFile, JsonPositionError } from './locale-json';
import { allowedVars, BASE_VARS, placeholdersOf, spokenKeys, USED_UNSPOKEN } from './spoken-keys';

/**
 * What operators get wrong in `locales/<lng>/prompts.json` that the start-up check lets through:
 * a placeholder nothing fills in (the caller hears "{{caller}}" read out), a text nothing says
 * (editing `purposes.call` changes nothing: the first purpose is asked by `main`), duplicate keys
 * (only the last one counts). Each finding names `file:line:column`. Syntax errors are reported
 * by readLocales (catalog.ts), through the same positioned reader.
 */

export interface LocaleFinding {
  level: 'error' | 'warning';
  /** `de/prompts.json:12:5` */
  at: string;
  message: string;
}

const list = (names: readonly string[]): string =>
  names.length ? names.map((n) => `{{${n}}}`).join(', ') : 'no placeholders';

/**
 * `baseVars`: the placeholders every spoken text is given (the keys of Speaker.vars), so a value
 * added there is known here without a second list to keep in step.
 */
export function checkPromptTexts(
  localesDir: string,
  purposeIds: readonly string[],
  baseVars: readonly string[] = BASE_VARS,
): LocaleFinding[] {
  const findings: LocaleFinding[] = [];
  const names = fs.existsSync(localesDir)
    ? fs
        .readdirSync(localesDir)
        .filter((n) => fs.statSync(path.join(localesDir, n)).isDirectory())
        .sort()
    : [];
  for (const lng of names) {
    const file = path.join(localesDir, lng, 'prompts.json');
    if (!fs.existsSync(file)) continue;
    let parsed;
    try {
      parsed = readJsonFile(file, `${lng}/prompts.json`);
    } catch (error) {
      if (error instanceof JsonPositionError) continue; // readLocales reports it
      throw error;
    }
    const { text, tree, label } = parsed;
    const at = (offset: number): string => positionOf(text, offset, label);
    const leaves = leavesOf(tree, (key, node) =>
      findings.push({
        level: 'error',
        at: at(node.offset),
        message: `"${key}" appears twice: only the last one is used`,
      }),
    );
    const texts = new Set(leaves.filter((l) => l.node.type === 'string').map((l) => l.key));
    const spoken = new Set([
      ...spokenKeys(purposeIds, (k) => texts.has(k)),
      ...USED_UNSPOKEN,
      'purposeFallback',
    ]);
    const first = purposeIds[0];
    for (const { key, node } of leaves) {
      const where = at(node.offset);
      if (node.type !== 'string') {
        findings.push({ level: 'error', at: where, message: `"${key}" must be a text in double quotes` });
        continue;
      }
      const purposeName = /^purposeNames\.(.+)$/.exec(key)?.[1];
      const purposeText = /^purposes\.(.+)$/.exec(key)?.[1];
      let allowed: readonly string[];
      if (spoken.has(key)) allowed = allowedVars(key, baseVars);
      else if (purposeName !== undefined && purposeIds.includes(purposeName)) allowed = [];
      else {
        const why =
          purposeText !== undefined && purposeText === first
            ? `the first purpose ("${first}") is asked by "main": edit "main" instead`
            : purposeText !== undefined || purposeName !== undefined
              ? `no purpose "${purposeText ?? purposeName}" in the operator settings (purposes: ${purposeIds.join(', ')})`
              : 'nothing in the service says or sends it';
        findings.push({
          level: 'warning',
          at: where,
          message: `"${key}" is never spoken, so editing it changes nothing: ${why}`,
        });
        continue;
      }
      const unknown = [...new Set(placeholdersOf(String(node.value)).filter((v) => !allowed.includes(v)))];
      for (const name of unknown)
        findings.push({
          level: 'error',
          at: where,
          message: `"${key}" has {{${name}}}, which nothing fills in: callers would hear "{{${name}}}" read out (this text can use ${list(allowed)})`,
        });
    }
  }
  return findings;
}
