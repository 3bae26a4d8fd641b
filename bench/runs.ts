/**
 * The record of benchmark runs: bench/runs.jsonl, one JSON object per throughput run, appended by
 * `npm run bench` (and committed with the change it measured), so that docs/benchmarks.md's chart
 * (bench/chart.ts) can show how each variant's ratio to the baseline moved over the recorded runs.
 *
 * A ratio is the one the run's table prints: the median of the per-round ratios to the baseline in
 * the same interleaved rounds. Records marked `transcribed` were copied from docs/benchmarks.md's
 * tables of runs made before this file existed (their commit, rounds and ratios as printed there).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './procs.ts';

export const RUNS_FILE = path.join(ROOT, 'bench', 'runs.jsonl');

/** One variant's result in one run. */
export interface VariantRecord {
  readonly ratio: number;
  readonly roundRatios: readonly number[];
  readonly rps: number;
  readonly proxyCpuUs?: number;
}

export interface RunRecord {
  /** ISO time the run ended. */
  readonly at: string;
  readonly commit: string;
  readonly machine: string;
  readonly rounds: number;
  readonly durationMs: number;
  /** Keyed by the variant's name in the run's table ("moor", "moor + metrics", "haproxy", …). */
  readonly variants: Readonly<Record<string, VariantRecord>>;
  /** Load average (1 min) when the run started: how quiet the machine was. */
  readonly loadAverage?: number;
  /** Copied from docs/benchmarks.md rather than written by a run. */
  readonly transcribed?: true;
  readonly note?: string;
}

export function appendRun(record: RunRecord, file = RUNS_FILE): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function readRuns(file = RUNS_FILE): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}
