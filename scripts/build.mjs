// `npm run build` (and `prepare`): src/ to dist/ as the published package runs it. Plain JavaScript,
// so that it runs wherever npm does. Steps:
//   1. remove dist/, so a deleted source leaves no stale module behind;
//   2. tsc -p tsconfig.build.json: the declarations only (dist/**/*.d.ts);
//   3. in the declarations, `./x.ts` paths as `./x.js`, which tsc leaves as written: a consumer's
//      compiler would otherwise meet `.ts` paths inside node_modules and, under some settings, refuse
//      them (TS5097) or look for sources that are not shipped;
//   4. esbuild: the JavaScript, as ES modules split into chunks from the package's three entry points
//      (the library `moor`, `moor/testing`, the `moor` command). Node 20 loads each ES module slowly
//      (resolve, read, link: ~1–2 ms each), and `moor start` loaded 123 of moor's own modules through
//      tsc's one-file-per-source output; it loads about 10 chunks now (issue 11, docs/benchmarks.md).
//      Splitting, not one bundle per entry: a module used by several entries lives in one shared chunk,
//      so the command and a user's `<class>` mediator importing `MoorError` from `moor` see one class.
//      Dependencies stay outside (packages: 'external'), resolved from node_modules as before. The
//      sources' `verbatimModuleSyntax` is off here, so an import of types only loads nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

// relative specifiers only ('./x.ts', '../y/z.ts'), in import/export … from and import('…') types
const RELATIVE_TS = /((?:from\s+|import\()\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (fixed !== text) writeFileSync(file, fixed);
}

const esbuild = createRequire(import.meta.url)('esbuild');
await esbuild.build({
  absWorkingDir: root,
  // (the <script> worker thread's module is an entry of its own: script-pool.ts starts dist/script-worker.js)
  entryPoints: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'cli/bin': 'src/cli/bin.ts', 'script-worker': 'src/mediators/script-worker.ts' },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false } },
  logLevel: 'warning',
});
