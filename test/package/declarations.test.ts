/**
 * What the published declarations may not contain, checked on the sources so that it fails in a
 * second rather than in the packed-package test's TypeScript run: a class with an ECMAScript private
 * field (`#name`) is declared as `#private;` in dist/*.d.ts, which a consumer compiling for ES5
 * (TypeScript's default target) refuses with TS18028. Module-level WeakMaps keep such state instead
 * (src/mediators/links.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');

test('no source file gives a class an ECMAScript private (#) member', async (t) => {
  const found: string[] = [];
  for (const entry of await readdir(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      // a member declared as `#x: …`, `#x = …`, `#x(…)`, or used as `this.#x` (CSS ids in template strings do not match)
      if (/^\s+(?:static\s+|readonly\s+)*#[A-Za-z_$][\w$]*\s*[:=(;]/.test(line) || /\bthis\.#[A-Za-z_$]/.test(line)) found.push(`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  t.deepEqual(found, []);
});
