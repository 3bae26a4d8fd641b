/**
 * Installing moor's packed tarball into a fresh project without the network, for test/package/.
 *
 * The project gets a package-lock.json cut from this repository's own: the tarball, plus exactly the
 * packages (same versions, same integrity) that this checkout's lock resolves moor's dependencies and the
 * consumer's extra ones to. `npm ci --offline` then takes every one of them from the npm cache by its
 * integrity, and a fresh CI machine has all of them there: its `npm ci` of this repository fetched them.
 * No registry is asked to resolve a range (npm ci of the repository caches tarballs, not the registry's
 * package documents that `npm install --offline` would need), and nothing newer than the lock can slip in.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface Lock {
  name?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The folder a lock location's dependencies are looked up from next: 'node_modules/a/node_modules/b' → 'node_modules/a'. */
function parentOf(location: string): string {
  const i = location.lastIndexOf('/node_modules/');
  return i < 0 ? '' : location.slice(0, i);
}

/** Where Node would find `name` required from `from` in the tree that `lock` describes. */
function resolveIn(lock: Lock, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = parentOf(dir)) {
    const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (dir === '') return undefined;
  }
}

export interface ConsumerLock {
  /** The consumer's package.json dependencies (moor as the tarball, the extra ones at the repository's versions). */
  readonly dependencies: Record<string, string>;
  readonly lock: Lock;
}

/**
 * A lock for a project named `name` depending on the tarball `tarballFile` (a file name beside the
 * project's package.json; `manifest` is its package.json) and on `extra` packages of this repository's
 * lock (typescript, @types/node), from `repoLockFile`.
 */
export function consumerLock(options: { name: string; repoLockFile: string; tarballFile: string; tarballPath: string; manifest: LockEntry & { name: string; version: string }; extra: readonly string[] }): ConsumerLock {
  const repo = JSON.parse(readFileSync(options.repoLockFile, 'utf8')) as Lock;
  const packages: Record<string, LockEntry> = {};
  const missing: string[] = [];
  const visit = (from: string, deps: Record<string, string> | undefined, optional: boolean): void => {
    for (const dep of Object.keys(deps ?? {})) {
      const key = resolveIn(repo, from, dep);
      if (key === undefined) {
        if (!optional) missing.push(`${dep} (from ${from || 'the root'})`);
        continue;
      }
      if (packages[key]) continue;
      // the repository's dev/optional/peer flags describe its own tree, not this one
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo.packages[key]!;
      packages[key] = entry;
      visit(key, entry.dependencies, false);
      visit(key, entry.optionalDependencies, true);
      visit(key, entry.peerDependencies, true);
    }
  };

  const moorKey = `node_modules/${options.manifest.name}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(options.tarballPath)).digest('base64')}`;
  const spec = `file:${options.tarballFile}`;
  const dependencies: Record<string, string> = { [options.manifest.name]: spec };
  for (const extra of options.extra) {
    const version = repo.packages[`node_modules/${extra}`]?.version;
    if (version === undefined) throw new Error(`${extra} is not in ${options.repoLockFile}`);
    dependencies[extra] = version;
  }
  packages[moorKey] = {
    version: options.manifest.version,
    resolved: spec,
    integrity,
    ...(options.manifest.license !== undefined ? { license: options.manifest.license } : {}),
    ...(options.manifest.dependencies !== undefined ? { dependencies: options.manifest.dependencies } : {}),
    ...(options.manifest.bin !== undefined ? { bin: options.manifest.bin } : {}),
    ...(options.manifest.engines !== undefined ? { engines: options.manifest.engines } : {}),
  };
  visit(moorKey, options.manifest.dependencies, false);
  visit('', Object.fromEntries(options.extra.map((e) => [e, ''])), false);
  if (missing.length) throw new Error(`${options.repoLockFile} has no entry for ${missing.join(', ')}`);

  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return {
    dependencies,
    lock: { name: options.name, lockfileVersion: 3, requires: true, packages: { '': { name: options.name, dependencies }, ...sorted } },
  };
}
