import { ConfigError, loadConfig } from '../../src/config';

/** What loadConfig refuses in this environment, as its ConfigError lists it; none when it starts. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
