/** A reload's outcome as the admin API answers it: loaded (with its warnings), or every problem at file:line:col. */
import { type ConfigError, ConfigErrors } from '../errors.ts';
import { type ConfigProblem, type ReloadOutcome } from './views.ts';

export function problemOf(e: ConfigError): ConfigProblem {
  return { file: e.loc.file, line: e.loc.line, col: e.loc.col, code: e.code, message: e.message };
}

/** `file:line:col CODE message`, as `moor validate` prints a problem. */
export function problemLine(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.code} ${p.message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

/** Runs `reload` (which resolves to the new configuration's warnings, or throws) and says how it went. */
export async function reloadOutcome(reload: () => Promise<readonly ConfigError[]>): Promise<ReloadOutcome> {
  try {
    return { reloaded: true, warnings: (await reload()).map(problemOf) };
  } catch (e) {
    if (e instanceof ConfigErrors) {
      return { reloaded: false, error: 'the configuration has errors; the running one keeps serving', errors: e.errors.map(problemOf) };
    }
    return { reloaded: false, error: `the configuration could not be loaded: ${(e as Error).message}; the running one keeps serving`, errors: [] };
  }
}
