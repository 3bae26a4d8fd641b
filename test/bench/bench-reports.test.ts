/**
 * The benchmark's own reports: the chart of recorded runs, the --workers model and the CPU-by-layer
 * summary. What they print is what docs/benchmarks.md quotes, so a wrong formula would be a wrong doc.
 */
import { DOMParser } from '@xmldom/xmldom';
import test from 'ava';
import { renderChart } from '../../bench/chart.ts';
import { GC, layerShares } from '../../bench/cpu-layers.ts';
import { readRuns, type RunRecord } from '../../bench/runs.ts';
import { fit, predict, workersModel } from '../../bench/workers-model.ts';

const run = (commit: string, variants: RunRecord['variants']): RunRecord => ({ at: '2026-12-03T00:00:00Z', commit, machine: 'test', rounds: 3, durationMs: 1000, variants });

test('the chart draws one line per variant over the runs that measured it, and parses as SVG', (t) => {
  const svg = renderChart([
    run('aaaaaaa', { moor: { ratio: 0.7, roundRatios: [0.7], rps: 1 } }),
    run('bbbbbbb', { moor: { ratio: 0.8, roundRatios: [0.8], rps: 1 }, haproxy: { ratio: 1.3, roundRatios: [1.3], rps: 1 } }),
    run('ccccccc', { moor: { ratio: 0.9, roundRatios: [0.9], rps: 1 }, haproxy: { ratio: 1.2, roundRatios: [1.2], rps: 1 } }),
  ]);
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const lines = Array.from(doc.getElementsByTagName('polyline'));
  t.deepEqual(
    lines.map((l) => l.getAttribute('points')!.split(' ').length),
    [3, 2],
  );
  // a higher ratio is drawn higher (a smaller y)
  const ys = lines[0]!.getAttribute('points')!.split(' ').map((p) => Number(p.split(',')[1]));
  t.true(ys[0]! > ys[1]! && ys[1]! > ys[2]!);
  t.true(svg.includes('ccccccc'));
});

test('the recorded runs in bench/runs.jsonl are readable and each names its commit and ratios', (t) => {
  const runs = readRuns();
  t.true(runs.length > 0);
  for (const r of runs) {
    t.regex(r.commit, /^[0-9a-f]{7}$/);
    for (const v of Object.values(r.variants)) t.true(v.ratio > 0 && v.roundRatios.length > 0);
  }
});

const measured = (rps: number, proxyCpuUs: number, primaryCpuUs: number) => ({ rps, proxyCpuUs, primaryCpuUs, backendCpuUs: 50, clientCpuUs: 50 });

test('the --workers model is fitted from one process and two workers, and says what limits more cores', (t) => {
  const results = new Map([
    ['moor', [measured(7000, 100, 100), measured(7100, 110, 110), measured(6900, 105, 105)]],
    ['moor --workers 2', [measured(6000, 140, 20), measured(6100, 140, 20), measured(5900, 140, 20)]],
  ]);
  const c = fit(results)!;
  t.is(c.c1, 105);
  t.is(c.cw, 120);
  t.is(c.cp, 20);
  t.is(c.rest, 100);
  // two cores for the gateway: the cores bind (2 · 10⁶ / 140 ≈ 14 286 < the primary's 50 000)
  t.is(Math.round(predict(c, 2, 2).workers), 14286);
  t.is(predict(c, 2, 2).limit, 'the cores');
  // sixteen: the primary, one thread answering every lookup, is the limit
  t.is(predict(c, 16, 16).limit, 'the primary');
  t.is(Math.round(predict(c, 16, 16).workers), 50000);
  t.true(workersModel(results).some((l) => l.includes('the primary')));
  t.deepEqual(workersModel(new Map([['moor', results.get('moor')!]])), []);
});

test('CPU by layer: a builtin counts for its caller, the idle time for nothing', (t) => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
      { id: 2, callFrame: frame('scan', 'file:///x/src/xml/head-scanner.ts'), children: [3] },
      { id: 3, callFrame: frame('exec') },
      { id: 4, callFrame: frame('(garbage collector)') },
      { id: 5, callFrame: frame('(idle)') },
    ],
    samples: [2, 3, 3, 4, 5, 5, 5, 5],
    timeDeltas: [10, 10, 10, 10, 10, 10, 10, 10],
  };
  t.deepEqual(layerShares(profile), [
    ['xml: head scan, envelope check (xml/)', 0.75],
    [GC, 0.25],
  ]);
});
