/**
 * Loads what a test runs: a configuration folder, one file, or several files (a WSO2 suite's test
 * artifact and its supportive artifacts) merged into one configuration. Every problem is reported, as
 * `moor validate` reports it.
 */
import path from 'node:path';
import { type Config, readConfig } from '../config/load.ts';
import { Diagnostics } from '../config/node.ts';
import { ConfigErrors, type ConfigError } from '../errors.ts';
import { compile, type CompiledConfig } from '../mediators/compile.ts';

/** Reads and compiles `location` (a folder or file, or a list of files). Throws ConfigErrors. */
export async function loadCompiled(location: string | readonly string[]): Promise<CompiledConfig> {
  const locations = typeof location === 'string' ? [location] : [...new Set(location.map((l) => path.resolve(l)))];
  const parts = await Promise.all(locations.map((l) => readConfig(l)));
  const config = parts.length === 1 ? parts[0]! : merge(parts);
  const compiled = compile(config);
  const errors = [...new Set([config.diag, ...parts.map((p) => p.diag)])].flatMap((d) => d.errors);
  if (errors.length) throw new ConfigErrors(sortErrors(errors));
  return compiled;
}

/** One configuration from several files; a name defined twice is reported as in a folder. */
function merge(parts: readonly Config[]): Config {
  const diag = new Diagnostics();
  const pick = <T extends { name: string; loc: ConfigError['loc'] }>(what: string, maps: ReadonlyMap<string, T>[]): Map<string, T> => {
    const out = new Map<string, T>();
    for (const m of maps) {
      for (const [name, v] of m) {
        const first = out.get(name);
        if (first) diag.report('MOOR_ERR_DUPLICATE_NAME', v.loc, `${what} "${name}" is already defined at ${first.loc.file}:${first.loc.line}:${first.loc.col}`);
        else out.set(name, v);
      }
    }
    return out;
  };
  // fields other than the artifacts (moor's own settings…) are taken from the first file, the test artifact
  return {
    ...parts[0]!,
    dir: parts[0]!.dir,
    files: parts.flatMap((p) => p.files),
    proxies: pick('proxy', parts.map((p) => p.proxies)),
    sequences: pick('sequence', parts.map((p) => p.sequences)),
    endpoints: pick('endpoint', parts.map((p) => p.endpoints)),
    diag,
  };
}

function sortErrors(errors: readonly ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col);
}
