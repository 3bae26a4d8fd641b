/**
 * Where a proxy's CPU goes, by layer: a V8 CPU profile (`npm run bench -- --cpu-prof <dir>`) summed
 * by the source folder of each sampled function, as a share of the samples that were not idle.
 * run.ts turns the shares into µs per message with the proxy's measured CPU per message.
 *
 * A sample of a function with no script (a builtin such as a regular expression or a JSON parse, a
 * native binding such as `writev`) counts for the nearest caller that has one, so "xml" includes the
 * regular expressions the head scanner runs and "node: net, http" the socket writes it asks for.
 * Garbage collection and "(program)" (V8 and libuv work outside JavaScript) are their own rows.
 * The start-up's module loading (everything under Node's module loader) is left out: the profile
 * covers the process's whole life, and reading and compiling the modules (~0.9 s of a 75,000-message
 * profile, mostly `readFileSync` of the bundles) would otherwise show as ~4 µs a message of "node".
 *
 *   npx tsx bench/cpu-layers.ts <file.cpuprofile>
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** What is not moor's comes first: tsx's own files live under node_modules/tsx/dist/. */
const MOOR_LAYERS: readonly [RegExp, string][] = [
  [/node_modules\/undici\//, 'undici (outbound HTTP)'],
  // (undici parses the backends' answers with llhttp compiled to WebAssembly, the only wasm either proxy runs)
  [/^wasm:\/\//, 'undici (outbound HTTP)'],
  [/node_modules\//, 'other libraries'],
  // moor's folders (src/, or dist/ mapped back to src/), in the order the message meets them
  [/\/(?:src|dist)\/server\//, 'edge: admission, exchange, answers (server/)'],
  [/\/(?:src|dist)\/xml\//, 'xml: head scan, envelope check (xml/)'],
  [/\/(?:src|dist)\/message\//, 'message context, body streams (message/)'],
  [/\/(?:src|dist)\/(?:mediators|expr)\//, 'mediation (mediators/, expr/)'],
  [/\/(?:src|dist)\/(?:dispatch|session)\//, 'sessions: dispatch, store (dispatch/, session/)'],
  [/\/(?:src|dist)\/endpoints\//, 'endpoints: affinity, group, send (endpoints/)'],
  [/\/(?:src|dist)\/(?:metrics|ops|logging)/, 'operations: metrics, logging'],
  [/\/(?:src|dist)\//, 'moor, other'],
  [/\/bench\//, 'the baseline proxy (bench/)'],
  [/^node:/, 'node: net, http, streams, timers'],
];

export const GC = 'garbage collection';
/** Loading the modules at start-up: not a message's work, so not counted. */
const START_UP = '(start-up: loading modules)';
export const PROGRAM = '(program): V8 and libuv outside JavaScript';

/**
 * The compiled package is bundled into chunks (scripts/build.mjs), so a function's folder is read
 * from the chunk's source map: the original source of the sampled line and column.
 */
const maps = new Map<string, SourceMap | null>();
function originalSource(url: string, line: number, column: number): string {
  if (!url.startsWith('file://') || !url.endsWith('.js') || url.includes('/node_modules/')) return url;
  let map = maps.get(url);
  if (map === undefined) {
    const file = `${fileURLToPath(url)}.map`;
    map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null;
    maps.set(url, map);
  }
  const entry = map?.findEntry(line, column) as { originalSource?: string } | undefined;
  return entry?.originalSource ?? url;
}

function layerOfUrl(url: string): string | undefined {
  if (url === '') return undefined;
  for (const [re, name] of MOOR_LAYERS) if (re.test(url)) return name;
  return 'other scripts';
}

/** Share (0–1) of the non-idle samples per layer, largest first. */
export function layerShares(profile: Profile): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layerCache = new Map<number, string>();
  const startUpCache = new Map<number, boolean>();
  const inStartUp = (id: number | undefined): boolean => {
    if (id === undefined) return false;
    let known = startUpCache.get(id);
    if (known === undefined) {
      known = byId.get(id)!.callFrame.url.startsWith('node:internal/modules/') || inStartUp(parent.get(id));
      startUpCache.set(id, known);
    }
    return known;
  };
  const layerOf = (id: number): string => {
    const cached = layerCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    let layer: string;
    if (inStartUp(id)) layer = START_UP;
    else if (fn === '(garbage collector)') layer = GC;
    else if (fn === '(program)') layer = PROGRAM;
    else if (fn === '(idle)') layer = '(idle)';
    else {
      const { url, lineNumber, columnNumber } = node.callFrame;
      const own = layerOfUrl(originalSource(url, lineNumber, columnNumber));
      const up = parent.get(id);
      layer = own ?? (up === undefined ? 'other native' : layerOf(up));
      if (layer === '(root)') layer = 'other native';
    }
    layerCache.set(id, layer);
    return layer;
  };
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const layer = layerOf(id);
    if (layer === '(idle)' || layer === START_UP) return;
    const dt = profile.timeDeltas[i] ?? 0;
    time.set(layer, (time.get(layer) ?? 0) + dt);
    total += dt;
  });
  return [...time].map(([layer, t]) => [layer, total ? t / total : 0] as [string, number]).sort((a, b) => b[1] - a[1]);
}

export function readProfile(file: string): Profile {
  return JSON.parse(readFileSync(file, 'utf8')) as Profile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    console.log(file);
    for (const [layer, share] of layerShares(readProfile(file))) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${layer}`);
  }
}
