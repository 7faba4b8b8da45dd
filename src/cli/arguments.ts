import fs from 'node:fs';
import path from 'node:path';
import { looksLikeNumber } from '../audit/number-query';
import { isWithheldNumber } from '../ledger';

/**
 * A command line that cannot be read as given (an unknown option, a missing value, a file that is
 * not there): exit 2, as for every usage error, and never 1, which `consent verify` and others
 * give only when what they check fails. Thrown before anything is opened or changed.
 */
export class ArgumentError extends Error {}

/** node:util parseArgs' own errors (ERR_PARSE_ARGS_*) are usage errors too. */
export function isArgumentError(error: unknown): boolean {
  if (error instanceof ArgumentError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** The text of a file named on the command line; an unreadable one is an argument error. */
export function readArgumentFile(option: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArgumentError(`cannot read the ${option} file ${file}: ${(error as Error).message}`);
  }
}

/**
 * `--caller` of `consent withdraw` and `erase`: a phone number (or SIP address) as staff have it.
 * Anything else (a name, a withheld number, which identifies nobody) would withdraw or erase
 * nothing while recording that it did: refused before anything is written. The number itself is
 * not repeated in the message.
 */
export function checkCallerArgument(caller: string | undefined): void {
  if (caller === undefined) return;
  if (!looksLikeNumber(caller) || isWithheldNumber(caller))
    throw new ArgumentError('--caller is not a phone number (write it as +49 151 …, 0151 … or sip:…)');
}

/**
 * `--out` of `consent clip`: a file that can be written, checked before anything else happens, so
 * that a typo in the path never spends a four-eyes approval (or logs an export) for nothing.
 */
export function checkOutFile(file: string): string {
  try {
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new Error('it is a directory');
    fs.accessSync(fs.existsSync(file) ? file : path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch (error) {
    throw new ArgumentError(`cannot write the --out file ${file}: ${(error as Error).message}`);
  }
  return file;
}
