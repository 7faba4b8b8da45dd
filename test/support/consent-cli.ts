import { spawn } from 'node:child_process';
import path from 'node:path';

/** The real `consent` binary; it runs the build in dist/ (`npm run build`, which `npm test` runs first). */
export const CONSENT_BIN = path.join(__dirname, '../../bin/consent.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `consent <args>` with exactly this environment. Asynchronous on purpose: an s3rver the CLI
 * talks to may run in the test's own process and must keep serving while the command runs.
 */
export function runConsentCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CONSENT_BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
