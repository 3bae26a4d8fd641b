// `npm run build` (and `prepare`): src/ to dist/ as the published package runs it. Plain JavaScript,
// so that it runs wherever npm does. Steps:
//   1. remove dist/, so a deleted source leaves no stale module behind;
//   2. tsc -p tsconfig.build.json: JavaScript, declarations, source maps (rewriteRelativeImportExtensions
//      turns the sources' `./x.ts` imports into `./x.js` in the JavaScript);
//   3. the same in the declarations, which tsc leaves as written: a consumer's compiler would otherwise
//      meet `.ts` paths inside node_modules and, under some settings, refuse them (TS5097) or look for
//      sources that are not shipped;
//   4. in the JavaScript, the empty `import {} from "./x.js"` (and `export {} from`) that
//      verbatimModuleSyntax leaves of an import of types only (`import { type Logger } from …`): each
//      loaded its module for nothing (logging.ts pulled in winston for `moor validate`, which logs nothing).
//      Nothing in the sources imports a module for its side effects that way (that is written `import './x.ts'`).
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
const TYPES_ONLY = /^(?:import|export) \{\} from (?:"[^"]+"|'[^']+');\n/gm;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = path.join(entry.parentPath, entry.name);
  const fix = entry.name.endsWith('.d.ts') ? (t) => t.replace(RELATIVE_TS, '$1$2.js$3') : entry.name.endsWith('.js') ? (t) => t.replace(TYPES_ONLY, '') : undefined;
  if (!fix) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = fix(text);
  if (fixed !== text) writeFileSync(file, fixed);
}
