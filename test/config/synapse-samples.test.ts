/**
 * Apache Synapse's own sample configurations, loaded the way `moor validate` loads them: each either
 * loads or is refused with the place and name of what moor lacks, nothing crashes, and
 * docs/compatibility.md says exactly what the code does now.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { loadAllSamples, REFUSED_ON_PURPOSE, renderPage, type SampleResult, TABLE_FILE } from '../../scripts/compat-table.ts';

const SESSION_SAMPLES = [52, 53, 54, 55, 58, 154];

let cached: Promise<SampleResult[]> | undefined;
/** Every sample, loaded once for all the tests of this file (loading throws only on a crash). */
function results(): Promise<SampleResult[]> {
  cached ??= loadAllSamples();
  return cached;
}

test('all 117 samples are read, and none crashes the loader (only ConfigErrors come out)', async (t) => {
  const all = await results();
  t.is(all.length, 117);
  for (const r of all) for (const e of r.errors) t.true(e instanceof ConfigError, `sample ${r.sample}: ${String(e)}`);
});

test('every refusal is placed: the sample file, a line and a column inside it', async (t) => {
  for (const r of await results()) {
    const lines = (await readFile(r.file, 'utf8')).split('\n').length;
    for (const e of r.errors) {
      t.is(path.basename(e.loc.file), path.basename(r.file), `sample ${r.sample}: ${e.toString()}`);
      t.true(e.loc.line >= 1 && e.loc.line <= lines && e.loc.col >= 1, `sample ${r.sample}: ${e.toString()}`);
      t.regex(e.toString(), /^\S+\.xml:\d+:\d+ MOOR_ERR_[A-Z_]+ \S/);
      t.false(e.toString().includes('\n'), 'one problem, one line');
    }
  }
});

test('a refused sample names an unsupported feature — a sample using only what moor supports loads', async (t) => {
  for (const r of await results()) {
    if (r.errors.length === 0) continue;
    const purpose = REFUSED_ON_PURPOSE[r.sample];
    const unsupported = r.errors.filter((e) => e.code === 'MOOR_ERR_UNSUPPORTED');
    if (purpose) {
      t.true(r.errors.some((e) => e.code === purpose.code), `sample ${r.sample} is refused for its known reason`);
      continue;
    }
    t.true(unsupported.length > 0, `sample ${r.sample} is refused without naming an unsupported feature:\n${r.errors.join('\n')}`);
  }
});

test('the samples refused on purpose are refused only for that reason (besides features moor lacks)', async (t) => {
  const all = await results();
  for (const [n, purpose] of Object.entries(REFUSED_ON_PURPOSE)) {
    const r = all.find((x) => x.sample === Number(n));
    t.truthy(r, `sample ${n} exists`);
    const others = r!.errors.filter((e) => e.code !== purpose.code && e.code !== 'MOOR_ERR_UNSUPPORTED');
    t.deepEqual(others.map(String), []);
  }
});

test('the session-affinity samples load', async (t) => {
  const all = await results();
  for (const n of SESSION_SAMPLES) {
    const r = all.find((x) => x.sample === n);
    t.deepEqual(r?.errors.map(String), [], `sample ${n} loads`);
  }
});

test('the XSLT sample whose stylesheets are inline (158) loads; 8, 16 and 750 are refused only for the stylesheet files the corpus lacks', async (t) => {
  const all = await results();
  t.deepEqual(all.find((x) => x.sample === 158)?.errors.map(String), [], 'sample 158 loads');
  for (const n of [8, 16, 750]) {
    const r = all.find((x) => x.sample === n)!;
    t.true(r.errors.length > 0 && r.errors.every((e) => e.code === 'MOOR_ERR_UNRESOLVED_KEY' && /transform/.test(e.message)), `sample ${n}: ${r.errors.join('; ')}`);
  }
});

test('docs/compatibility.md is what the code produces now (run `npm run compat` after a change)', async (t) => {
  const committed = await readFile(TABLE_FILE, 'utf8');
  t.is(committed, await renderPage(await results()));
});
