/**
 * What `moor start --workers N` would give on more cores, from a model fitted to the throughput part's
 * measurements of one process (`moor`) and two workers (`moor --workers 2`).
 *
 * Each message costs c1 µs of CPU in a single moor process; with workers it costs cw µs in a worker
 * (c1 plus the IPC client's share) and cp µs in the primary, which holds the memory store's table and
 * answers every worker's lookups. Three limits, each from a measured cost:
 *   - each worker is one thread:        X ≤ N · 10⁶ / cw
 *   - the primary is one thread:        X ≤ 10⁶ / cp
 *   - the gateway's cores (K):          X ≤ K · 10⁶ / (cw + cp)
 * and a single process: X ≤ 10⁶ / c1. On the benchmark machine the backends and the load generator
 * share the same cores, so there the cores limit is K · 10⁶ / (gateway + backends + client CPU per
 * message): the model is checked against what was measured there before it is extrapolated.
 */
import { median } from './stats.ts';

interface Measured {
  readonly rps: number;
  readonly proxyCpuUs?: number;
  readonly primaryCpuUs?: number;
  readonly backendCpuUs?: number;
  readonly clientCpuUs: number;
}

const ONE = 'moor';
const TWO = 'moor --workers 2';

export interface FittedCosts {
  /** µs per message: one process; a worker; the primary; the backends and the load generator together. */
  readonly c1: number;
  readonly cw: number;
  readonly cp: number;
  readonly rest: number;
}

export function fit(results: ReadonlyMap<string, readonly Measured[]>): FittedCosts | undefined {
  const one = results.get(ONE);
  const two = results.get(TWO);
  if (!one?.length || !two?.length) return undefined;
  const m = (rs: readonly Measured[], f: (x: Measured) => number | undefined): number => median(rs.map((x) => f(x) ?? NaN));
  const cp = m(two, (x) => x.primaryCpuUs);
  return {
    c1: m(one, (x) => x.proxyCpuUs),
    cw: m(two, (x) => x.proxyCpuUs) - cp,
    cp,
    rest: m([...one, ...two], (x) => (x.backendCpuUs ?? NaN) + x.clientCpuUs),
  };
}

/** Messages per second of N workers on K cores given to the gateway alone, and which limit binds. */
export function predict(c: FittedCosts, workers: number, cores: number): { workers: number; limit: string } {
  const limits: [number, string][] = [
    [(workers * 1e6) / c.cw, 'the workers'],
    [1e6 / c.cp, 'the primary'],
    [(cores * 1e6) / (c.cw + c.cp), 'the cores'],
  ];
  const [x, limit] = limits.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { workers: x, limit };
}

/** The report lines for run.ts (none when the run did not measure both variants). */
export function workersModel(results: ReadonlyMap<string, readonly Measured[]>, coresHere = 2): string[] {
  const c = fit(results);
  if (!c || !Number.isFinite(c.cp) || !Number.isFinite(c.cw)) return [];
  const f = (x: number): string => x.toFixed(0);
  // on this machine everything shares the cores: a message costs the gateway's CPU plus the rest's
  const hereOne = Math.min(1e6 / c.c1, (coresHere * 1e6) / (c.c1 + c.rest));
  const hereTwo = Math.min((2 * 1e6) / c.cw, 1e6 / c.cp, (coresHere * 1e6) / (c.cw + c.cp + c.rest));
  const measured = (name: string): string => f(median((results.get(name) ?? []).map((x) => x.rps)));
  const lines = [
    '',
    `## --workers model (fitted: one process ${f(c.c1)} µs/msg; with workers ${f(c.cw)} µs in a worker + ${f(c.cp)} µs in the primary; backends + load generator ${f(c.rest)} µs)`,
    '',
    `On this machine (${coresHere} cores shared with the backends and the load generator): predicted moor ${f(hereOne)} req/s (measured ${measured(ONE)}), ` +
      `--workers 2 ${f(hereTwo)} req/s (measured ${measured(TWO)}).`,
    '',
    '| gateway cores (backends and clients elsewhere) | one process, req/s | --workers = cores, req/s | what limits the workers | × one process |',
    '| ---: | ---: | ---: | --- | ---: |',
  ];
  // one process is one thread, whatever the cores
  const single = 1e6 / c.c1;
  for (const k of [1, 2, 4, 8, 16]) {
    const p = predict(c, k, k);
    lines.push(`| ${k} | ${f(single)} | ${f(p.workers)} | ${p.limit} | ${(p.workers / single).toFixed(2)} |`);
  }
  return lines;
}
