/**
 * One configuration from several read ones (a WSO2 suite's test artifact and its supportive
 * artifacts): a name defined twice is reported as it is within a folder.
 */
import { type ConfigError } from '../errors.ts';
import { type Config } from './load.ts';
import { Diagnostics } from './node.ts';

/** `parts` as one Config; the merge's own problems are in its `diag` (each part keeps its own). */
export function mergeConfigs(parts: readonly Config[]): Config {
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
  const merged: Config = {
    ...parts[0]!,
    dir: parts[0]!.dir,
    files: parts.flatMap((p) => p.files),
    proxies: pick('proxy', parts.map((p) => p.proxies)),
    sequences: pick('sequence', parts.map((p) => p.sequences)),
    endpoints: pick('endpoint', parts.map((p) => p.endpoints)),
    tasks: pick('task', parts.map((p) => p.tasks)),
    messageStores: pick('message store', parts.map((p) => p.messageStores)),
    messageProcessors: pick('message processor', parts.map((p) => p.messageProcessors)),
    diag,
  };
  diag.close();
  return merged;
}
