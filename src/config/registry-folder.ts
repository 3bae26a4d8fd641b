/**
 * The registry as a folder: where `conf:/…` and `gov:/…` keys are read from.
 *
 * WSO2 Micro Integrator keeps its registry on disk (`MI_HOME/registry/config`, `…/governance`), and an
 * MI project keeps what it deploys there under `src/main/wso2mi/resources/registry/conf` and `…/gov`.
 * moor reads the same files in place. The folder (the registry root) is, first found wins:
 *
 * 1. `moor start|validate --registry DIR`;
 * 2. `<moor:registry root="DIR"/>` in a `<definitions>` file (relative to that file);
 * 3. for a configuration folder named `artifacts` (an MI project's `src/main/wso2mi/artifacts`), the
 *    project's `../resources/registry`, when it exists;
 * 4. a `registry` folder inside the configuration folder, when it exists (its files are then not read
 *    as configuration).
 *
 * Below the root, `conf:/a/b.xml` is `conf/a/b.xml` or, in MI's own layout, `config/a/b.xml`;
 * `gov:/a/b.xml` is `gov/a/b.xml` or `governance/a/b.xml`. `<registry>`'s `ConfigRegRoot` and
 * `GovRegRoot` parameters, when given, name those two folders directly (as in MI's registry.xml).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from './xml-file.ts';

/** The two sub-registries a key can name; `root` for a key without a prefix (looked up below the root itself). */
export type SubRegistry = 'conf' | 'gov' | 'root';

/** Whether `key` is a registry key (`conf:…`, `gov:…`) rather than the name of an artifact. */
export function registryKeyOf(key: string): { readonly sub: SubRegistry; readonly path: string } | undefined {
  const m = /^(conf|gov):\/*(.*)$/.exec(key);
  return m ? { sub: m[1] as SubRegistry, path: m[2]! } : undefined;
}

/** Where each sub-registry lives, and how the root was chosen (for messages). */
export interface RegistryRoots {
  /** The registry root, when there is one. */
  readonly root: string | undefined;
  /** What chose it: `--registry`, `<moor:registry root>`, `the MI project layout`, `the configuration's registry folder`. */
  readonly chosenBy: string | undefined;
  /** Folders tried for a `conf:` key, in order. */
  readonly conf: readonly string[];
  /** Folders tried for a `gov:` key, in order. */
  readonly gov: readonly string[];
  /** The folder of a key without a prefix (when a `<registry>` is declared and no artifact has that name). */
  readonly plain: readonly string[];
  /** The folders looked for when nothing named a root (said in the message of a key that cannot be found). */
  readonly searched: readonly string[];
}

/** What a registry key resolved to: its file, or every path looked at. */
export type KeyLookup = { readonly file: string } | { readonly looked: readonly string[] };

/** Chooses the registry root for a configuration at `configDir` (see the header comment). */
export function registryRoots(
  configDir: string,
  given: { readonly flag?: string | undefined; readonly setting?: string | undefined; readonly confRoot?: string | undefined; readonly govRoot?: string | undefined },
): RegistryRoots {
  const project = path.basename(configDir) === 'artifacts' ? path.join(path.dirname(configDir), 'resources', 'registry') : undefined;
  const inside = path.join(configDir, 'registry');
  const searched = [...(project ? [project] : []), inside];
  let root: string | undefined;
  let chosenBy: string | undefined;
  if (given.flag !== undefined) [root, chosenBy] = [path.resolve(given.flag), '--registry'];
  else if (given.setting !== undefined) [root, chosenBy] = [given.setting, '<moor:registry root>'];
  else if (project && isDir(project)) [root, chosenBy] = [project, 'the MI project layout'];
  else if (isDir(inside)) [root, chosenBy] = [inside, "the configuration's registry folder"];
  const under = (...names: string[]): string[] => (root ? names.map((n) => path.join(root, n)) : []);
  return {
    root,
    chosenBy,
    conf: given.confRoot !== undefined ? [given.confRoot] : under('conf', 'config'),
    gov: given.govRoot !== undefined ? [given.govRoot] : under('gov', 'governance'),
    plain: root ? [root] : [],
    searched,
  };
}

/** The file a registry key names, or every path looked at. */
export function lookupKey(roots: RegistryRoots, key: { readonly sub: SubRegistry; readonly path: string }): KeyLookup {
  const looked: string[] = [];
  for (const folder of key.sub === 'root' ? roots.plain : roots[key.sub]) {
    const file = path.resolve(folder, key.path);
    // a key may not climb out of its sub-registry (conf:/../../etc/passwd)
    if (path.relative(folder, file).startsWith('..')) continue;
    looked.push(file);
    if (isFile(file)) return { file };
  }
  return { looked };
}

/** The message for a registry key that names no file; `plain` for a key without a prefix. */
export function missingKeyMessage(roots: RegistryRoots, key: string, looked: readonly string[], plain = false): string {
  const what = plain ? `key "${key}" names no artifact of the configuration, nor a registry resource:` : `registry key "${key}":`;
  if (!roots.root && looked.length === 0) {
    return `${what} there is no registry folder (give one with --registry DIR or <moor:registry root="DIR"/>; looked for ${roots.searched.map(displayPath).join(', ')})`;
  }
  const where = looked.length ? `no file at ${looked.map(displayPath).join(' nor ')}` : 'the key leaves its registry folder';
  return `${what} ${where}${roots.chosenBy ? ` (registry folder from ${roots.chosenBy})` : ''}`;
}

function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}
