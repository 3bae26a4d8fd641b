/**
 * The load generator, run as its own process: `concurrency` keep-alive connections (undici Pool), each
 * sending the next ~1 KB envelope as soon as the previous answer is read. Session ids cycle through
 * `sessions` distinct values; with --new-sessions every request opens a session of its own (an id
 * never sent before: the cost of making bindings). A warm-up runs first and is not counted. Prints one JSON line:
 * { requests, errors, seconds, rps, p50Ms, p99Ms, clientCpuUs }.
 *
 *   node --import tsx bench/load.ts --url http://127.0.0.1:P/services/Bench [--concurrency 32]
 *        [--duration-ms 10000] [--warmup-ms 3000] [--sessions 10000] [--new-sessions]
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { requestEnvelope } from './envelopes.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    'duration-ms': { type: 'string', default: '10000' },
    'warmup-ms': { type: 'string', default: '3000' },
    sessions: { type: 'string', default: '10000' },
    'new-sessions': { type: 'boolean', default: false },
  },
});
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const concurrency = Number(values.concurrency);
const sessions = Number(values.sessions);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);

// built up front so that the generator spends its time on the wire, not on strings
const bodies = Array.from({ length: sessions }, (_, i) => Buffer.from(requestEnvelope(`session-${String(i).padStart(6, '0')}`, i)));
/** Tells this run's new session ids from those of earlier runs against the same store. */
const run = `new-${process.pid}-${Date.now().toString(36)}`;
const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:bench:orders/Submit"' };
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });

let phase: 'warmup' | 'measure' | 'done' = 'warmup';
let counter = 0;
let errors = 0;
let firstError: string | undefined;
const latencies: number[] = [];

async function worker(): Promise<void> {
  while (phase !== 'done') {
    const body = values['new-sessions'] ? Buffer.from(requestEnvelope(`${run}-${counter++}`, counter)) : bodies[counter++ % sessions]!;
    const t0 = performance.now();
    const counted = phase === 'measure';
    try {
      const res = await pool.request({ path: url.pathname, method: 'POST', headers, body });
      await res.body.dump({ limit: Infinity });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      if (counted && phase === 'measure') latencies.push(performance.now() - t0);
    } catch (e) {
      if (counted) errors++;
      firstError ??= (e as Error).message;
    }
  }
}

const workers = Array.from({ length: concurrency }, () => worker());
await new Promise((r) => setTimeout(r, warmupMs));
phase = 'measure';
const start = performance.now();
const cpuStart = process.cpuUsage();
await new Promise((r) => setTimeout(r, durationMs));
phase = 'done';
const cpu = process.cpuUsage(cpuStart);
const seconds = (performance.now() - start) / 1000;
await Promise.all(workers);
await pool.close();

latencies.sort((a, b) => a - b);
const pct = (p: number): number => percentile(latencies, p);
const result = {
  requests: latencies.length,
  errors,
  ...(firstError ? { firstError } : {}),
  seconds,
  rps: latencies.length / seconds,
  p50Ms: pct(50),
  p99Ms: pct(99),
  clientCpuUs: (cpu.user + cpu.system) / Math.max(1, latencies.length),
};
process.stdout.write(JSON.stringify(result) + '\n');
