/**
 * docs/benchmarks-ratios.svg: each variant's throughput ratio to the baseline over the runs recorded in
 * bench/runs.jsonl, drawn by `npm run bench` after each throughput part (and by `npx tsx bench/chart.ts`).
 *
 * The SVG is written by hand rather than with a charting library: it is a few polylines on a grid,
 * and a library (vega, chart.js with a canvas) would add a renderer and dozens of packages to draw them.
 * The x axis is the run's order, not its time: runs cluster in sessions hours apart.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './procs.ts';
import { readRuns, type RunRecord } from './runs.ts';

export const CHART_FILE = path.join(ROOT, 'docs', 'benchmarks-ratios.svg');

/** Drawn in this order and these colours; other variants a run recorded are left out of the chart. */
const SERIES: readonly { name: string; colour: string }[] = [
  { name: 'moor', colour: '#1f6feb' },
  { name: 'moor + metrics', colour: '#8957e5' },
  { name: 'moor + access log', colour: '#bf8700' },
  { name: 'moor + redis', colour: '#d1242f' },
  { name: 'moor --workers 2', colour: '#1a7f37' },
  { name: 'haproxy', colour: '#57606a' },
];

const W = 760;
const H = 360;
const PAD = { left: 56, right: 170, top: 36, bottom: 64 };

export function renderChart(runs: readonly RunRecord[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const ratios = runs.flatMap((r) => SERIES.map((s) => r.variants[s.name]?.ratio).filter((x): x is number => x !== undefined));
  const top = Math.max(1.5, Math.ceil(Math.max(0, ...ratios) * 4) / 4);
  const x = (i: number): number => PAD.left + (runs.length <= 1 ? plotW / 2 : (i * plotW) / (runs.length - 1));
  const y = (ratio: number): number => PAD.top + plotH - (ratio / top) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${PAD.left}" y="20" font-size="13" font-weight="bold">Throughput × the parse-nothing Node proxy (median of per-round ratios), per recorded run</text>`);
  for (let t = 0; t <= top + 1e-9; t += 0.25) {
    const yy = y(t).toFixed(1);
    const strong = Math.abs(t - 1) < 1e-9;
    out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${yy}" y2="${yy}" stroke="${strong ? '#24292f' : '#d0d7de'}" stroke-width="${strong ? 1.5 : 1}"${strong ? ' stroke-dasharray="6 3"' : ''}/>`);
    out.push(`<text x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${t.toFixed(2)}</text>`);
  }
  runs.forEach((r, i) => {
    const label = `${r.commit.slice(0, 7)}${r.transcribed ? '*' : ''}`;
    out.push(`<text x="${x(i).toFixed(1)}" y="${PAD.top + plotH + 14}" text-anchor="end" transform="rotate(-40 ${x(i).toFixed(1)} ${PAD.top + plotH + 14})">${label}</text>`);
  });
  SERIES.forEach((s, k) => {
    const points = runs.flatMap((r, i) => (r.variants[s.name] ? [[x(i), y(r.variants[s.name]!.ratio)] as const] : []));
    if (points.length === 0) return;
    if (points.length > 1) out.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of points) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${s.colour}"/>`);
    const ly = PAD.top + 10 + k * 18;
    out.push(`<line x1="${W - PAD.right + 14}" x2="${W - PAD.right + 34}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - PAD.right + 40}" y="${ly}" dominant-baseline="middle">${s.name}</text>`);
  });
  out.push(`<text x="${W - PAD.right + 14}" y="${PAD.top + 10 + SERIES.length * 18 + 8}" fill="#57606a">1.00 = the baseline</text>`);
  out.push(`<text x="${W - PAD.right + 14}" y="${PAD.top + 10 + SERIES.length * 18 + 24}" fill="#57606a">* transcribed from</text>`);
  out.push(`<text x="${W - PAD.right + 14}" y="${PAD.top + 10 + SERIES.length * 18 + 38}" fill="#57606a">  docs/benchmarks.md</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function writeChart(runs = readRuns(), file = CHART_FILE): void {
  writeFileSync(file, renderChart(runs));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeChart();
  console.log(`wrote ${path.relative(ROOT, CHART_FILE)}`);
}
