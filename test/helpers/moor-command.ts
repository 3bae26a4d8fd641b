/**
 * The `moor` command as the tests run it: this checkout's sources (src/cli/bin.ts) under tsx, so that a
 * test needs no build and tests what it reads. The built command (bin/moor.js → dist/) is tested from a
 * packed tarball by test/package/packed.test.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Node arguments running `moor …args` from source; tsx is named by its file, so any cwd works. */
export function moorArgs(args: readonly string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src', 'cli', 'bin.ts'), ...args];
}
