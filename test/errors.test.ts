import { readFile } from 'node:fs/promises';
import test from 'ava';
import { ERROR_CODES } from '../src/errors.ts';

test('every error code is documented in docs/errors.md, and every documented code exists', async (t) => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/`(MOOR_(?:ERR|WARN)_[A-Z_]+)`/g)].map((m) => m[1]));
  const defined = new Set(Object.keys(ERROR_CODES));
  t.deepEqual([...defined].filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
  t.deepEqual([...documented].filter((c) => !defined.has(c!)), [], 'documented codes that src/errors.ts does not define');
});
