/**
 * The open-loop load generator, run as its own process: requests are sent at a fixed rate by the clock,
 * whatever the answers do, and each latency is measured from the moment its request was SCHEDULED, not
 * from when it could be sent — as wrk2 does. A closed-loop generator (bench/load.ts) waits for each
 * answer before sending again, so a proxy that stalls is sent less and its queueing never shows in the
 * percentiles (coordinated omission); here a stall shows as the latency of every request scheduled
 * during it. Requests that are due while all `connections` are busy wait in the client's queue, and that
 * wait is counted. Session ids cycle through `sessions` values, as in bench/load.ts. Prints one JSON line:
 * { rate, sent, sentAll, errors, seconds, achievedRps, p50Ms, p99Ms, p999Ms, maxMs } (sentAll: the warm-up's sends too).
 *
 *   node --import tsx bench/open-loop.ts --url http://127.0.0.1:P/services/Bench --rate 2000
 *        [--duration-ms 10000] [--warmup-ms 2000] [--connections 64] [--sessions 10000]
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { requestEnvelope } from './envelopes.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string' },
    'duration-ms': { type: 'string', default: '10000' },
    'warmup-ms': { type: 'string', default: '2000' },
    connections: { type: 'string', default: '64' },
    sessions: { type: 'string', default: '10000' },
  },
});
if (!values.url || !values.rate) throw new Error('--url and --rate are required');
const url = new URL(values.url);
const rate = Number(values.rate);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);
const sessions = Number(values.sessions);
const bodies = Array.from({ length: sessions }, (_, i) => Buffer.from(requestEnvelope(`session-${String(i).padStart(6, '0')}`, i)));
const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:bench:orders/Submit"' };
const pool = new Pool(url.origin, { connections: Number(values.connections), pipelining: 1, keepAliveTimeout: 60_000 });

const latencies: number[] = [];
let sent = 0;
let errors = 0;
let firstError: string | undefined;
let inFlight = 0;

function send(n: number, scheduledAt: number, counted: boolean): void {
  inFlight++;
  pool
    .request({ path: url.pathname, method: 'POST', headers, body: bodies[n % sessions]! })
    .then(async (res) => {
      await res.body.dump({ limit: Infinity });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      if (counted) latencies.push(performance.now() - scheduledAt);
    })
    .catch((e: unknown) => {
      if (counted) errors++;
      firstError ??= (e as Error).message;
    })
    .finally(() => inFlight--);
}

// send everything whose time has come, then sleep until the next send is due (a timer: ~1 ms at the
// least, so at high rates the sends leave in small batches, each still timed from its own scheduled
// moment). Polling with setImmediate instead kept a whole core busy, which on the 2-core bench machine
// was taken from the proxy under test and its backends: at 50 % of the baseline's closed-loop maximum
// neither the baseline nor moor could keep up with the generator's own load.
const start = performance.now() + 10;
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;
const intervalMs = 1000 / rate;
let n = 0;
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const now = performance.now();
    for (let at = start + n * intervalMs; at <= now && at < end; at = start + n * intervalMs) {
      const counted = at >= measureFrom;
      if (counted) sent++;
      send(n++, at, counted);
    }
    if (now >= end) resolve();
    else setTimeout(tick, Math.max(0, start + n * intervalMs - performance.now()));
  };
  setImmediate(tick);
});
while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
await pool.close();

latencies.sort((a, b) => a - b);
const pct = (p: number): number => percentile(latencies, p);
const seconds = durationMs / 1000;
process.stdout.write(
  JSON.stringify({
    rate,
    sent,
    sentAll: n,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds,
    achievedRps: latencies.length / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
    p999Ms: pct(99.9),
    maxMs: latencies[latencies.length - 1] ?? NaN,
  }) + '\n',
);
