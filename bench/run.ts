/**
 * `npm run bench`: moor with SOAP-header session affinity against a parse-nothing Node proxy, both in
 * front of the same three fast backends, each in its own process, driven by a load generator in its
 * own process. Rounds are interleaved (baseline and variants take turns, order alternating) and the
 * median of each is reported, since a shared machine is noisy. Then a 50 MB envelope is streamed
 * through each proxy in both directions and the growth of its peak RSS is reported, and what a 5 MB
 * body costs once parsed for a mediator, per message byte, in each form (bench/body-parse.ts).
 *
 *   npm run bench [-- --rounds 3 --duration-ms 10000 --warmup-ms 3000 --concurrency 32
 *                     --sessions 10000 --big-mb 50 --live-sessions 200000
 *                     --only throughput|memory|sessions|latency|new-sessions --cpu-prof <dir>]
 *
 * HAProxy (Debian's `haproxy`, when installed) runs as a third party beside the baseline: round robin
 * with a stick table on the same session id (bench/haproxy.ts), so every run reports moor × HAProxy too.
 * The sessions part opens --live-sessions sessions through moor, moor --workers 2 and HAProxy and
 * reports the resident memory each live session costs (bench/session-memory.ts). The latency part
 * drives the baseline, moor and HAProxy open-loop (bench/open-loop.ts: sends scheduled by the clock,
 * latency from the scheduled time) at 25 %, 50 % and 80 % of the baseline's maximum rate, and reports
 * p50/p99/p99.9 and moor's p99 against the baseline's (target: within 1.25×).
 *
 * The new-sessions part runs moor on a replicated Redis (primary + replica) in plain and in durable
 * mode with every request opening a session of its own (load.ts --new-sessions), so each request makes
 * a binding: what durable mode's WAIT costs where it is paid (the throughput part's steady traffic
 * reuses bound sessions and pays it only once per session).
 *
 * --cpu-prof writes a V8 CPU profile of each proxy process (moor and the baseline) into <dir> (open it in
 * Chrome DevTools), so that where the time goes can be compared function by function, and prints the
 * CPU per message of each layer (bench/cpu-layers.ts); a profiled run is not recorded.
 *
 * Each throughput run is appended to bench/runs.jsonl (bench/runs.ts; --no-record for a trial run) and
 * docs/benchmarks-ratios.svg is redrawn from all recorded runs (bench/chart.ts). With both `moor` and
 * `moor --workers 2` in the run, a model of --workers fitted to them says what more cores would give
 * (bench/workers-model.ts).
 * --variant <name> runs only the named variants (and the baseline); it may be given several times.
 * --compare <checkout> adds moor as found in another checkout (e.g. `git worktree add /tmp/before HEAD~3`)
 * as one more variant, for before/after measurements; it may be given several times. With --variant,
 * each named variant of moor's own flags (`moor + access log`, `moor + metrics`) is run from the other
 * checkout too (`moor + access log@before`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { haproxyInstalled, startHaproxy } from './haproxy.ts';
import { writeChart } from './chart.ts';
import { layerShares, readProfile } from './cpu-layers.ts';
import { cpuMsOf, memoryOf, resetPeak, ROOT, runJson, type Service, startService, treeCpuMsOf, TSX } from './procs.ts';
import { appendRun, type VariantRecord } from './runs.ts';
import { workersModel } from './workers-model.ts';
import { measureSessions } from './session-memory.ts';
import { DURABLE, REPLICATED, sessionRatios, sessionVariants, stopSessionVariants } from './session-variants.ts';
import { median } from './stats.ts';
import type { BodyParseRow } from './body-parse.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'duration-ms': { type: 'string', default: '10000' },
    'warmup-ms': { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
    sessions: { type: 'string', default: '10000' },
    'big-mb': { type: 'string', default: '50' },
    'live-sessions': { type: 'string', default: '200000' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    compare: { type: 'string', multiple: true },
    variant: { type: 'string', multiple: true },
    /** Do not append this run to bench/runs.jsonl (trial runs while working). */
    'no-record': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);

/**
 * How long a session lives without a message, in moor and in HAProxy's stick table alike: longer than
 * a sessions run lasts (1 M sessions take minutes), so that every session opened is still live when
 * the memory is read. moor's default (120 s) would have let the first ones expire during the run.
 */
const SESSION_TIMEOUT_MS = 2 * 3600 * 1000;
const bigBytes = Number(values['big-mb']) * 1024 * 1024;

/** A proxy under test: how to start it in front of the backends, given moor's bench config folder. */
export interface Variant {
  readonly name: string;
  start(backends: readonly Service[], configDir: string): Promise<Service>;
}

const profiling = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`] : [];

/**
 * `moor start` on a free port with extra CLI arguments, from this checkout or from `root`: the compiled
 * command (bin/moor.js over dist/), as users run it, not the TypeScript sources under tsx. Each checkout
 * is built once before the first round, so a stale dist/ cannot be measured by mistake.
 */
function moor(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, root = ROOT): Variant {
  return {
    name,
    start: async (_backends, configDir) => {
      buildOnce(root);
      return startService(name, [...profiling, path.join(root, 'bin', 'moor.js'), 'start', '--config', configDir, '--port', '0', ...args], /moor listening on (\S+)/, env);
    },
  };
}

const built = new Set<string>();
function buildOnce(root: string): void {
  if (built.has(root)) return;
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  built.add(root);
}

const baseline: Variant = {
  name: 'baseline',
  start: (backends) => startService('baseline', [...profiling, ...TSX, 'bench/baseline-proxy.ts', backends.map((b) => b.url).join(',')], /listening on (\S+)/),
};

/**
 * What is measured against the baseline. Add variants here, e.g. a Redis session store or several
 * workers once moor has them: `moor('moor --workers 2', ['--workers', '2'])`, or
 * `moor('moor + redis', ['--store', 'redis://127.0.0.1:6379'])` with a Redis started beforehand.
 */
const haproxy: Variant | undefined = (await haproxyInstalled()) ? { name: 'haproxy', start: (backends) => startHaproxy('haproxy', backends.map((b) => b.url), SESSION_TIMEOUT_MS) } : undefined;
/**
 * Run only when named (`--variant 'raw socket'`): the baseline's work on `net` sockets and Node's own
 * HTTP parser, without node:http's server objects (bench/raw-socket-proxy.ts), to measure what a server
 * of moor's own could save. It has none of the edge's limits, so it is an experiment, not a party.
 */
const RAW_SOCKET = 'raw socket';
const rawSocket: Variant & { throughputOnly: true } = {
  name: RAW_SOCKET,
  throughputOnly: true,
  start: (backends) => startService(RAW_SOCKET, [...profiling, ...TSX, 'bench/raw-socket-proxy.ts', backends.map((b) => b.url).join(',')], /listening on (\S+)/),
};
/** moor with flags of its own only (no other server to start): these can be run from another checkout too. */
const FLAG_VARIANTS: readonly (readonly [string, string[]])[] = [
  ['moor', []],
  ['moor + access log', ['--access-log', '/dev/null']],
  // (--admin turns the metrics on: every request, backend exchange and binding is counted)
  ['moor + metrics', ['--admin', '127.0.0.1:0']],
];
const selected = (name: string): boolean => !values.variant || values.variant.includes(name);
/** Each --compare checkout as plain moor, and as each flag variant named with --variant. */
const compared = (values.compare ?? []).flatMap((dir) =>
  FLAG_VARIANTS.filter(([name]) => name === 'moor' || (values.variant?.includes(name) ?? false)).map(([name, args]) => moor(`${name}@${path.basename(path.resolve(dir))}`, args, {}, path.resolve(dir))),
);
const variants: Variant[] = [
  ...FLAG_VARIANTS.map(([name, args]) => moor(name, args)),
  ...sessionVariants(moor),
  ...(haproxy ? [haproxy] : []),
  ...(values.variant?.includes(RAW_SOCKET) ? [rawSocket] : []),
].filter((v) => selected(v.name));
variants.push(...compared);

// ---------------------------------------------------------------------------------------------------

/** The baseline's median closed-loop rate from the throughput part, when it ran (the latency part's 100 %). */
let baselineMaxRps: number | undefined;

const backends = await Promise.all([1, 2, 3].map((i) => startService(`backend${i}`, [...TSX, 'bench/backend.ts'], /listening on (\S+)/)));
const configDir = await writeConfig(backends);
const started: Service[] = [...backends];
process.on('SIGINT', () => void Promise.all(started.map((s) => s.stop())).then(() => process.exit(130)));

const startLoad = Number(os.loadavg()[0]!.toFixed(2));
console.log(`moor benchmark — ${machine()}, ${os.platform()} ${os.release()}; load average ${startLoad}`);
console.log(`backends: ${backends.map((b) => b.url).join(' ')}`);

try {
  if (!values.only || values.only === 'throughput') await throughput();
  if (!values.only || values.only === 'memory') await memory();
  if (!values.only || values.only === 'sessions') await sessionMemory();
  if (!values.only || values.only === 'latency') await latency();
  if (!values.only || values.only === 'new-sessions') await newSessions();
} finally {
  await Promise.all(started.map((s) => s.stop()));
  await stopSessionVariants();
}

interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time the load generator itself used per measured request (µs). */
  clientCpuUs: number;
  /** Filled in here: CPU per request of the proxy (its whole process tree) and of the three backends together (µs). */
  proxyCpuUs?: number;
  /** Of proxyCpuUs, what the proxy's first process used (a --workers primary; all of it for one process). */
  primaryCpuUs?: number;
  backendCpuUs?: number;
}

async function throughput(): Promise<void> {
  const all = [baseline, ...variants];
  const servers = new Map<string, Service>();
  for (const v of all) {
    const s = await v.start(backends, configDir);
    servers.set(v.name, s);
    started.push(s);
  }
  console.log(
    `\n## Throughput: ~1 KB envelopes, concurrency ${values.concurrency}, ${values.sessions} session ids, ` +
      `${values['warmup-ms']} ms warm-up + ${values['duration-ms']} ms measured, ${rounds} interleaved rounds\n`,
  );
  const results = new Map<string, LoadResult[]>(all.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? all : [...all].reverse();
    for (const v of order) {
      const server = servers.get(v.name)!;
      // the whole process tree (a --workers primary and its workers), and the primary alone
      const cpu0 = [treeCpuMsOf(server.pid), ...backends.map((b) => cpuMsOf(b.pid))];
      const primary0 = cpuMsOf(server.pid);
      const res = await runJson<LoadResult>([
        ...TSX,
        'bench/load.ts',
        '--url', `${server.url}/services/Bench`,
        '--concurrency', values.concurrency!,
        '--duration-ms', values['duration-ms']!,
        '--warmup-ms', values['warmup-ms']!,
        '--sessions', values.sessions!,
      ]);
      // CPU covers warm-up and measurement, so it is divided by all requests, estimated from the rate
      const cpu1 = [treeCpuMsOf(server.pid), ...backends.map((b) => cpuMsOf(b.pid))];
      const all = res.requests * (1 + Number(values['warmup-ms']) / Number(values['duration-ms']));
      res.proxyCpuUs = ((cpu1[0]! - cpu0[0]!) * 1000) / all;
      res.primaryCpuUs = ((cpuMsOf(server.pid) - primary0) * 1000) / all;
      res.backendCpuUs = (cpu1.slice(1).reduce((a, x, i) => a + x - cpu0[i + 1]!, 0) * 1000) / all;
      results.get(v.name)!.push(res);
      console.log(
        `round ${r + 1} ${v.name.padEnd(18)} ${fmt(res.rps, 0).padStart(7)} req/s  p50 ${fmt(res.p50Ms, 2)} ms  p99 ${fmt(res.p99Ms, 2)} ms  ` +
          `CPU/req: proxy ${fmt(res.proxyCpuUs, 0)} µs, backends ${fmt(res.backendCpuUs, 0)} µs, client ${fmt(res.clientCpuUs, 0)} µs${res.errors ? `  ${res.errors} errors (${res.firstError})` : ''}`,
      );
    }
  }
  const base = results.get('baseline')!;
  baselineMaxRps = median(base.map((x) => x.rps));
  console.log('\n| proxy | req/s (median) | p50 ms | p99 ms | proxy CPU µs/req | errors | × baseline (median of per-round ratios) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of all) {
    const rs = results.get(v.name)!;
    const ratios = rs.map((x, i) => x.rps / base[i]!.rps);
    console.log(
      `| ${v.name} | ${fmt(median(rs.map((x) => x.rps)), 0)} | ${fmt(median(rs.map((x) => x.p50Ms)), 2)} | ${fmt(median(rs.map((x) => x.p99Ms)), 2)} | ` +
        `${fmt(median(rs.map((x) => x.proxyCpuUs ?? NaN)), 0)} | ` +
        `${rs.reduce((a, x) => a + x.errors, 0)} | ${fmt(median(ratios), 3)} (${ratios.map((x) => fmt(x, 2)).join(', ')}) |`,
    );
  }
  if (variants.some((v) => 'throughputOnly' in v)) for (const line of sessionRatios(results)) console.log(line);
  const hap = results.get('haproxy');
  const plain = results.get('moor');
  if (hap && plain) {
    const ratios = plain.map((x, i) => x.rps / hap[i]!.rps);
    console.log(`\nmoor × HAProxy (stick table on the same ids): ${fmt(median(ratios), 3)} (${ratios.map((x) => fmt(x, 2)).join(', ')})`);
  }
  for (const line of workersModel(results)) console.log(line);
  for (const v of all) await servers.get(v.name)!.stop();
  if (values['cpu-prof']) for (const line of cpuByLayer(path.resolve(values['cpu-prof']), results, servers)) console.log(line);
  // a profiled run is slower than a plain one, so it is not a record
  if (!values['no-record'] && !values['cpu-prof']) record(results);
}

/** µs per message by layer for moor and the baseline, from their profiles (bench/cpu-layers.ts). */
function cpuByLayer(dir: string, results: Map<string, LoadResult[]>, servers: Map<string, Service>): string[] {
  const perLayer = new Map<string, Map<string, number>>();
  const shown = ['moor', 'baseline'].filter((name) => servers.has(name));
  for (const name of shown) {
    const file = readdirSync(dir).find((f) => f.includes(`.${servers.get(name)!.pid}.0.`) && f.endsWith('.cpuprofile'));
    if (!file) continue;
    const cpuUs = median(results.get(name)!.map((x) => x.proxyCpuUs ?? NaN));
    for (const [layer, share] of layerShares(readProfile(path.join(dir, file)))) {
      if (!perLayer.has(layer)) perLayer.set(layer, new Map());
      perLayer.get(layer)!.set(name, share * cpuUs);
    }
  }
  const lines = ['', '## CPU per message by layer (from the profiles; µs = share of non-idle samples × the proxy CPU µs/req above)', ''];
  lines.push(`| layer | ${shown.map((n) => `${n} µs/msg`).join(' | ')} |`, `| --- | ${shown.map(() => '---:').join(' | ')} |`);
  for (const [layer, by] of perLayer) lines.push(`| ${layer} | ${shown.map((n) => fmt(by.get(n) ?? 0, 1)).join(' | ')} |`);
  return lines;
}

/** Appends this run's ratios to bench/runs.jsonl and redraws docs/benchmarks-ratios.svg from all of them. */
function record(results: Map<string, LoadResult[]>): void {
  const base = results.get('baseline')!;
  const recorded: Record<string, VariantRecord> = {};
  for (const [name, rs] of results) {
    if (name === 'baseline') continue;
    const roundRatios = rs.map((x, i) => Number((x.rps / base[i]!.rps).toFixed(3)));
    recorded[name] = { ratio: Number(median(roundRatios).toFixed(3)), roundRatios, rps: Math.round(median(rs.map((x) => x.rps))), proxyCpuUs: Math.round(median(rs.map((x) => x.proxyCpuUs ?? NaN))) };
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the record still says when and what
  }
  appendRun({ at: new Date().toISOString(), commit, machine: machine(), rounds, durationMs: Number(values['duration-ms']), loadAverage: startLoad, variants: recorded });
  writeChart();
  console.log('\nrecorded in bench/runs.jsonl; docs/benchmarks-ratios.svg redrawn (--no-record for a trial run)');
}

function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`;
}

interface BigResult {
  status: number;
  seconds: number;
  sent: number;
  received: number;
  backendReceived?: number;
}

async function memory(): Promise<void> {
  console.log(`\n## Memory: one ${values['big-mb']} MB envelope streamed through a freshly started proxy (after a 2 s warm-up of small messages)\n`);
  console.log('| proxy | direction | RSS before MB | peak RSS MB | growth MB | MB/s | check |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const v of [...variants.filter((x) => !('throughputOnly' in x) && x !== haproxy), baseline]) {
    for (const direction of ['request', 'response'] as const) {
      const server = await v.start(backends, configDir);
      started.push(server);
      await runJson<LoadResult>([...TSX, 'bench/load.ts', '--url', `${server.url}/services/Bench`, '--concurrency', '8', '--duration-ms', '1000', '--warmup-ms', '1000', '--sessions', '100']);
      await new Promise((r) => setTimeout(r, 500));
      const before = memoryOf(server.pid);
      const reset = resetPeak(server.pid);
      let sampled = before.rss;
      const sampler = setInterval(() => (sampled = Math.max(sampled, memoryOf(server.pid).rss)), 20);
      // moor routes by proxy name; the baseline forwards the path, which the backend reads
      const target = v === baseline ? (direction === 'request' ? '/big-request' : `/big-response?bytes=${bigBytes}`) : direction === 'request' ? '/services/BigRequest' : '/services/BigResponse';
      const res = await runJson<BigResult>([...TSX, 'bench/big-envelope.ts', '--url', server.url + target, '--bytes', String(bigBytes), '--direction', direction]);
      clearInterval(sampler);
      const after = memoryOf(server.pid);
      const peak = reset ? after.peak : Math.max(sampled, after.peak);
      const ok = res.status === 200 && (direction === 'request' ? res.backendReceived === bigBytes : res.received === bigBytes);
      const mb = (b: number): string => fmt(b / 2 ** 20, 1);
      console.log(
        `| ${v.name} | ${direction} | ${mb(before.rss)} | ${mb(peak)} | ${mb(peak - before.rss)} | ${fmt(bigBytes / 2 ** 20 / res.seconds, 0)} | ` +
          `${ok ? 'ok' : `FAILED ${JSON.stringify(res)}`}${reset ? '' : ' (peak not resettable: sampled)'} |`,
      );
      await server.stop();
    }
  }
  await parsedBodies();
}

/**
 * What a body costs once a mediator reads it (issue 10: ≤ 10× its bytes), in a process of its own
 * (bench/body-parse.ts: heap and external memory retained after a full GC, per message byte).
 */
async function parsedBodies(): Promise<void> {
  const rows = await runJson<BodyParseRow[]>(['--expose-gc', ...TSX, 'bench/body-parse.ts', '--mb', '5', '--json']);
  console.log('\n## Memory: a 5 MB body of line items parsed for a mediator (retained after a full GC, per message byte; target ≤ 10×)\n');
  console.log('| form | retained per byte | retained MB | RSS growth while parsing MB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.form} | ${fmt(r.perByte, 1)}× | ${fmt(r.retainedMb, 0)} | ${fmt(r.peakRssMb, 0)} |`);
}

interface OpenLoopResult {
  rate: number;
  sent: number;
  /** Every send, the warm-up's too (the proxy's CPU is read over both). */
  sentAll: number;
  errors: number;
  firstError?: string;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Latency without coordinated omission: open-loop sends at fixed fractions of the baseline's maximum rate. */
async function latency(): Promise<void> {
  const targets = [baseline, variants[0]!, ...(haproxy ? [haproxy] : [])];
  const servers = new Map<string, Service>();
  for (const v of targets) {
    const s = await v.start(backends, configDir);
    servers.set(v.name, s);
    started.push(s);
  }
  // A freshly started moor runs its first seconds cold (modules loaded on first use, code not yet
  // optimised) and falls behind a rate it sustains once warm: sent open-loop from the start, the
  // backlog of those seconds (1.2-1.7 s, measured) was still draining when measuring began, and moor's
  // p99 at 25 % was that backlog. Each proxy is warmed closed-loop first, so the table is steady state.
  for (const v of targets) {
    const server = servers.get(v.name)!;
    await runJson<LoadResult>([...TSX, 'bench/load.ts', '--url', `${server.url}/services/Bench`, '--concurrency', values.concurrency!, '--duration-ms', '3000', '--warmup-ms', '2000', '--sessions', values.sessions!]);
  }
  if (baselineMaxRps === undefined) {
    const b = servers.get('baseline')!;
    const res = await runJson<LoadResult>([...TSX, 'bench/load.ts', '--url', `${b.url}/services/Bench`, '--concurrency', values.concurrency!, '--duration-ms', '5000', '--warmup-ms', '2000', '--sessions', values.sessions!]);
    baselineMaxRps = res.rps;
  }
  console.log(`\n## Latency, open loop (sends scheduled by the clock; latency from the scheduled time): baseline maximum ${fmt(baselineMaxRps, 0)} req/s\n`);
  console.log('| load | proxy | rate req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | proxy CPU µs/req | p99 × baseline (target ≤ 1.25) |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const fraction of [0.25, 0.5, 0.8]) {
    const rate = Math.round(baselineMaxRps * fraction);
    let baseP99 = NaN;
    for (const v of targets) {
      const server = servers.get(v.name)!;
      // (the proxy's CPU a request at a fixed rate, warm-up included: how near its own limit the rate is)
      const cpu0 = treeCpuMsOf(server.pid);
      const res = await runJson<OpenLoopResult>([
        ...TSX, 'bench/open-loop.ts',
        '--url', `${server.url}/services/Bench`,
        '--rate', String(rate),
        '--duration-ms', values['duration-ms']!,
        '--warmup-ms', values['warmup-ms']!,
        '--sessions', values.sessions!,
      ]);
      const cpuUs = ((treeCpuMsOf(server.pid) - cpu0) * 1000) / res.sentAll;
      if (v === baseline) baseP99 = res.p99Ms;
      const vsBase = v === baseline ? '—' : `${fmt(res.p99Ms / baseP99, 2)}${v.name === 'moor' ? (res.p99Ms / baseP99 <= 1.25 ? ' met' : ' NOT met') : ''}`;
      console.log(
        `| ${fraction * 100} % | ${v.name} | ${rate} | ${fmt(res.achievedRps, 0)} | ${fmt(res.p50Ms, 2)} | ${fmt(res.p99Ms, 2)} | ${fmt(res.p999Ms, 2)} | ${fmt(res.maxMs, 1)} | ${res.errors}${res.firstError ? ` (${res.firstError})` : ''} | ${fmt(cpuUs, 0)} | ${vsBase} |`,
      );
    }
  }
  for (const s of servers.values()) await s.stop();
}

/** Every request a new session: moor on a primary+replica, plain against durable, interleaved rounds. */
async function newSessions(): Promise<void> {
  const pairVariants = variants.filter((v) => v.name === REPLICATED || v.name === DURABLE);
  if (pairVariants.length < 2) return;
  const servers = new Map<string, Service>();
  for (const v of pairVariants) {
    const s = await v.start(backends, configDir);
    servers.set(v.name, s);
    started.push(s);
  }
  console.log(`\n## New sessions: every request opens a session (one binding each), Redis primary + replica, concurrency ${values.concurrency}, ${rounds} interleaved rounds\n`);
  const results = new Map<string, LoadResult[]>(pairVariants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 === 0 ? pairVariants : [...pairVariants].reverse()) {
      const server = servers.get(v.name)!;
      const res = await runJson<LoadResult>([...TSX, 'bench/load.ts', '--url', `${server.url}/services/Bench`, '--concurrency', values.concurrency!, '--duration-ms', values['duration-ms']!, '--warmup-ms', values['warmup-ms']!, '--new-sessions']);
      results.get(v.name)!.push(res);
      console.log(`round ${r + 1} ${v.name.padEnd(24)} ${fmt(res.rps, 0).padStart(7)} req/s  p50 ${fmt(res.p50Ms, 2)} ms  p99 ${fmt(res.p99Ms, 2)} ms${res.errors ? `  ${res.errors} errors (${res.firstError})` : ''}`);
    }
  }
  const plain = results.get(REPLICATED)!;
  const durable = results.get(DURABLE)!;
  console.log('\n| store mode | new sessions/s (median) | p50 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, rs] of results) console.log(`| ${name} | ${fmt(median(rs.map((x) => x.rps)), 0)} | ${fmt(median(rs.map((x) => x.p50Ms)), 2)} | ${fmt(median(rs.map((x) => x.p99Ms)), 2)} | ${rs.reduce((a, x) => a + x.errors, 0)} |`);
  const ratios = durable.map((x, i) => x.rps / plain[i]!.rps);
  console.log(`\ndurable × plain, new sessions: ${fmt(median(ratios), 3)} (${ratios.map((x) => fmt(x, 2)).join(', ')})`);
  for (const s of servers.values()) await s.stop();
}

/** What a live session costs each proxy that keeps a session table (moor, moor --workers 2, HAProxy). */
async function sessionMemory(): Promise<void> {
  const count = Number(values['live-sessions']);
  console.log(`\n## Memory per live session: ${count} sessions opened through a freshly started proxy, one request each (session timeout ${SESSION_TIMEOUT_MS / 60000} min: none expires during the run)\n`);
  console.log('| proxy | sessions | errors | RSS before MB | RSS after MB | bytes per session (process tree) | bytes per session (table holder) | seconds |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const workers = variants.find((v) => v.name === 'moor --workers 2');
  for (const v of [variants[0]!, ...(workers ? [workers] : []), ...(haproxy ? [haproxy] : [])]) {
    const server = await v.start(backends, configDir);
    started.push(server);
    const m = await measureSessions(server, v === haproxy ? '/services/Orders' : '/services/Bench', count);
    console.log(
      `| ${m.name} | ${m.sessions} | ${m.errors} | ${fmt(m.rssBeforeMb, 1)} | ${fmt(m.rssAfterMb, 1)} | ${fmt(m.bytesPerSession, 0)} | ${fmt(m.holderBytesPerSession, 0)} | ${fmt(m.seconds, 1)} |`,
    );
    await server.stop();
  }
}

/** moor's bench configuration: SOAP-header (syn:ClientID) affinity over the three backends. */
async function writeConfig(bs: readonly Service[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moor-bench-'));
  const group = (name: string, suffix: string): string =>
    `<endpoint name="${name}"><session type="simpleClientSession"><sessionTimeout>${SESSION_TIMEOUT_MS}</sessionTimeout></session><loadbalance algorithm="roundRobin">` +
    bs.map((b, i) => `<endpoint name="${name}${i + 1}"><address uri="${b.url}${suffix}"/></endpoint>`).join('') +
    '</loadbalance></endpoint>';
  const proxy = (name: string, endpoint: string): string =>
    `<proxy name="${name}" transports="http"><target><inSequence><send><endpoint key="${endpoint}"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`;
  const xml =
    '<definitions xmlns="http://ws.apache.org/ns/synapse">' +
    group('Orders', '/services/Orders') +
    group('BigIn', '/big-request') +
    group('BigOut', `/big-response?bytes=${bigBytes}`.replace(/&/g, '&amp;')) +
    proxy('Bench', 'Orders') +
    proxy('BigRequest', 'BigIn') +
    proxy('BigResponse', 'BigOut') +
    '</definitions>';
  await writeFile(path.join(dir, 'bench.xml'), xml);
  return dir;
}

function fmt(x: number, digits: number): string {
  return x.toFixed(digits);
}
