/**
 * `npm run compat`: loads each of Apache Synapse's sample configurations through the path `moor
 * validate` takes (read, check, compile, build the endpoints) and writes docs/compatibility.md: which
 * samples load, which are refused and for what; then WSO2 MI's catalogue with moor's status for each
 * entry, probed from the code (scripts/wso2-catalogue.ts). test/config/synapse-samples.test.ts checks that the
 * committed page is what this code produces now, so the page cannot drift from the code.
 *
 * The samples are read from the corpus in the repository (test/fixtures/corpus, or $MOOR_CORPUS),
 * upstream bytes and all.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ConfigError, ConfigErrors } from '../src/errors.ts';
import { DEFAULT_LIMITS } from '../src/message/limits.ts';
import { loadRuntime } from '../src/server/runtime.ts';
import { MemoryStore } from '../src/session/memory-store.ts';
import { catalogueStatus, cell, mediatorsNotCatalogued, renderCatalogue } from './wso2-catalogue.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of Synapse's synapse_sample_N.xml files. */
export const SAMPLES_DIR = path.join(process.env.MOOR_CORPUS ?? path.join(ROOT, 'test', 'fixtures', 'corpus'), 'synapse', 'repository', 'conf', 'sample');

/** The page this script writes. */
export const TABLE_FILE = path.join(ROOT, 'docs', 'compatibility.md');

/**
 * Samples that use only what moor supports and are still refused, on purpose; each with the reason. The
 * test checks that these are refused for exactly that reason and nothing else slips in here silently.
 */
export const REFUSED_ON_PURPOSE: Readonly<Record<number, { code: ConfigError['code']; why: string }>> = {
  4: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: 'it names endpoints that exist nowhere (`bogus`, `sunPort`) to show error handling at run time; moor checks every key when the configuration loads',
  },
  9: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its sequences are resources of Synapse's sample registry (`repository/conf/sample/resources`), which the corpus does not hold; given them in a registry folder (`--registry`), it loads",
  },
  12: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its local entry reads an endpoint file of Synapse's sample resources (`src=\"file:repository/conf/sample/resources/…\"`), which the corpus does not hold; moor resolves `src` against the declaring file's folder",
  },
  56: {
    code: 'MOOR_ERR_WSDL',
    why: "its `<wsdl>` endpoint reads a WSDL file of Synapse's sample resources (`file:repository/conf/sample/resources/proxy/sample_proxy_1.wsdl`), which the corpus does not hold; moor reads a WSDL when the configuration loads, so a missing one refuses it (WSO2 logs it and fails each message); given one beside the configuration, it loads and runs (test/e2e/synapse-samples.test.ts)",
  },
  151: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its local entry reads a WSDL file of Synapse's sample resources, which the corpus does not hold",
  },
  10: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its endpoints are resources of Synapse's sample registry, which the corpus does not hold (and `xxx` names nothing anywhere)",
  },
  350: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its scripts are files of Synapse's sample resources (`resources/script/stockquoteTransform*.js`, by a local entry's src and a registry key), which the corpus does not hold; given them, they would still be refused for their E4X, as samples 351 and 352 are",
  },
  8: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its two stylesheets are files of Synapse's sample resources (`repository/conf/sample/resources/transform/`), one read by a local entry's `src`, one by a registry key, which the corpus does not hold; given them beside the configuration and in a registry folder, it loads and runs (test/e2e/synapse-samples.test.ts)",
  },
  16: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its stylesheets are resources of Synapse's sample registry (`transform/transform.xslt` by a dynamic key, `transform/transform_back.xslt` by a static one), which the corpus does not hold; given them in a registry folder (`--registry`), it loads and runs (test/e2e/synapse-samples.test.ts)",
  },
  750: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its local entries read sample 8's stylesheets from Synapse's sample resources (`src=\"file:repository/conf/sample/resources/transform/…\"`), which the corpus does not hold",
  },
  372: {
    code: 'MOOR_ERR_UNRESOLVED_KEY',
    why: "its throttle policy is a resource of Synapse's sample registry (`conf/sample/resources/policy/throttle_policy.xml`), which the corpus does not hold; `<policy key>` reads a policy from a registry folder or a local entry",
  },
};

/** What loading one sample gave. */
export interface SampleResult {
  readonly sample: number;
  readonly file: string;
  /** The comment above <definitions>: what the sample shows. */
  readonly title: string;
  /** Empty when the sample loads. */
  readonly errors: readonly ConfigError[];
}

/** The sample files, in numeric order. */
export async function sampleFiles(dir = SAMPLES_DIR): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /^synapse_sample_\d+\.xml$/.test(n));
  return names.sort((a, b) => sampleNumber(a) - sampleNumber(b)).map((n) => path.join(dir, n));
}

/** 52 for synapse_sample_52.xml. */
export function sampleNumber(file: string): number {
  return Number(/synapse_sample_(\d+)\.xml$/.exec(file)?.[1] ?? NaN);
}

/**
 * Loads one sample as `moor validate` does. Resolves with its problems (none when it loads); anything
 * thrown other than ConfigErrors is a crash and propagates.
 */
export async function loadSample(file: string): Promise<SampleResult> {
  const text = await readFile(file, 'utf8');
  const head = text.slice(0, Math.max(0, text.indexOf('<definitions')));
  const comments = [...head.matchAll(/<!--([^]*?)-->/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
  const title = comments.filter((c) => !c.includes('Licensed to the Apache')).at(-1) ?? '';
  const base = { sample: sampleNumber(file), file, title };
  const store = new MemoryStore(undefined, 0);
  try {
    const runtime = await loadRuntime(file, { limits: DEFAULT_LIMITS, store, defaultTimeoutMs: 1000, defaultSuspendMs: 1000 });
    await runtime.endpoints.close();
    return { ...base, errors: [] };
  } catch (e) {
    if (e instanceof ConfigErrors) return { ...base, errors: e.errors };
    throw e;
  } finally {
    await store.close();
  }
}

/** Loads every sample. */
export async function loadAllSamples(dir = SAMPLES_DIR): Promise<SampleResult[]> {
  const out: SampleResult[] = [];
  for (const f of await sampleFiles(dir)) out.push(await loadSample(f));
  return out;
}

/** The unsupported features a refusal names, each once, with the line:col of every place. */
function features(errors: readonly ConfigError[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of errors) {
    const key = e.code === 'MOOR_ERR_UNSUPPORTED' ? e.message : `${e.code} ${e.message}`;
    out.set(key, [...(out.get(key) ?? []), `${e.loc.line}:${e.loc.col}`]);
  }
  return out;
}

/** The page docs/compatibility.md, from the results. */
export function renderTable(results: readonly SampleResult[]): string {
  const loaded = results.filter((r) => r.errors.length === 0);
  const refused = results.filter((r) => r.errors.length > 0);
  const tally = new Map<string, Set<number>>();
  for (const r of refused) {
    for (const e of r.errors) if (e.code === 'MOOR_ERR_UNSUPPORTED') tally.set(e.message, (tally.get(e.message) ?? new Set()).add(r.sample));
  }
  const lines = [
    '# Compatibility with WSO2 Micro Integrator and the Apache Synapse samples',
    '',
    '<!-- generated by `npm run compat` (scripts/compat-table.ts); test/config/synapse-samples.test.ts checks it is current -->',
    '',
    "How the Apache Synapse samples load comes first; WSO2 MI's catalogue of mediators, artifacts, endpoints and",
    "special properties, with moor's status for each, is [below](#wso2-micro-integrator-catalogue).",
    '',
    '## The Apache Synapse samples',
    '',
    `Apache Synapse ships ${results.length} sample configurations (\`repository/conf/sample/synapse_sample_*.xml\`). Each is loaded`,
    'here exactly as `moor validate --config <file>` loads it: read, checked, compiled, endpoints built.',
    '',
    `- **${loaded.length} load** and run unchanged.`,
    `- **${refused.length} are refused**, each with the place (line:col in the sample) and name of what moor does not`,
    '  support; nothing crashes. The session-affinity samples 52, 53, 54, 55, 58 and 154 load and are run against real',
    '  backends by test/e2e/synapse-samples.test.ts. The throttle samples 370 and 371 load; 371 runs on three gateway',
    '  nodes sharing one Redis in test/e2e/throttle.test.ts, its limit held across them (WSO2 counts per node; how',
    '  moor\'s `<throttle>` differs from WSO2\'s is in [configuration.md](configuration.md#throttle)). The XSLT sample 158',
    '  loads; it and samples 8 and 16 (given stylesheets of the same mapping where Synapse\'s sample resources would be)',
    '  run against a real backend in test/e2e/synapse-samples.test.ts. moor\'s `<xslt>` is XSLT 1.0, WSO2\'s Saxon',
    '  (XSLT 2.0/3.0): [configuration.md](configuration.md#xslt) says what that leaves out.',
    '  The task samples 300, 301 and 302 load and run in a real gateway against a real backend in',
    '  test/e2e/synapse-samples.test.ts, and so does the message store sample 700; the processor samples 701, 702',
    '  and 705 load (they run every 10-20 s; test/e2e/message-stores.test.ts runs processors of the same kinds).',
    '',
    'A refused sample lists every problem `moor validate` reports, so a sample refused for two features names both.',
    'Problems other than `MOOR_ERR_UNSUPPORTED` are shown with their code; they are mostly consequences of an',
    'unsupported feature (a key that would have named a local entry or a registry resource).',
  ];
  const onPurpose = refused.filter((r) => REFUSED_ON_PURPOSE[r.sample]);
  if (onPurpose.length) {
    lines.push('', 'Refused although everything it uses is supported:', '');
    for (const r of onPurpose) lines.push(`- sample ${r.sample}: ${REFUSED_ON_PURPOSE[r.sample]!.why}.`);
  }
  lines.push('', '### Unsupported features, by how many samples need them', '', '| samples | feature (as moor reports it) |', '| ---: | --- |');
  const byCount = [...tally].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]));
  for (const [feature, samples] of byCount) lines.push(`| ${samples.size} | ${cell(feature)} |`);
  lines.push('', '### Every sample', '', '| sample | what it shows | result | why refused (line:col in the sample) |', '| ---: | --- | --- | --- |');
  for (const r of results) {
    const why = [...features(r.errors)].map(([f, at]) => `${f} (${at.join(', ')})`).join('; ');
    lines.push(`| ${r.sample} | ${cell(r.title)} | ${r.errors.length ? 'refused' : 'loads'} | ${cell(why)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The whole page: the samples, then WSO2's catalogue (scripts/wso2-catalogue.ts). */
export async function renderPage(results: readonly SampleResult[]): Promise<string> {
  return `${renderTable(results)}\n${renderCatalogue(await catalogueStatus())}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const results = await loadAllSamples();
  const missing = mediatorsNotCatalogued();
  if (missing.length) throw new Error(`scripts/wso2-catalogue.ts lists no row for moor's mediator(s) ${missing.join(', ')}`);
  await writeFile(TABLE_FILE, await renderPage(results));
  const refused = results.filter((r) => r.errors.length).length;
  process.stdout.write(`${path.relative(process.cwd(), TABLE_FILE)}: ${results.length} samples, ${results.length - refused} load, ${refused} refused\n`);
}
