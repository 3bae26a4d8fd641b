/**
 * `npx tsx bench/access-log.ts`: the access log's CPU a line, in process, written as a gateway writes
 * them (a line or two per turn of the event loop) to /dev/null: each line written at once
 * (`--access-log-flush-ms 0`) against lines gathered for the default flush time, with the loop and the
 * record alone as the floor. Process CPU (the thread pool's writes included), median of 7 runs.
 */
import { ACCESS_LOG_FLUSH_MS, AccessLog, type AccessRecord, sessionHash } from '../src/server/access-log.ts';
import { median } from './stats.ts';

const N = 50_000;

const record = (i: number): AccessRecord => ({
  time: new Date().toISOString(),
  proxy: 'Bench',
  method: 'POST',
  status: 200,
  durationMs: 1.234,
  bytesIn: 1022,
  bytesOut: 1130,
  endpoint: 'Orders1@http://127.0.0.1:41234/services/Orders',
  session: sessionHash(`session-${String(i % 10_000).padStart(6, '0')}`),
});

/** CPU µs a line: N records made, and written to `log` unless it is undefined. */
async function perLine(log: AccessLog | undefined): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const r = record(i);
    log?.write(r);
    if (i % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await log?.close();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / N;
}

const runs = { atOnce: [] as number[], gathered: [] as number[], floor: [] as number[] };
for (let r = 0; r < 7; r++) {
  runs.atOnce.push(await perLine(AccessLog.open('/dev/null', () => {}, undefined, 0)));
  runs.gathered.push(await perLine(AccessLog.open('/dev/null')));
  runs.floor.push(await perLine(undefined));
}
const floor = median(runs.floor);
const show = (xs: number[]): string => `${median(xs).toFixed(2)} µs (the log's own ${(median(xs) - floor).toFixed(2)})`;
console.log(`access log to /dev/null, CPU a line: each line at once ${show(runs.atOnce)}; gathered for ${ACCESS_LOG_FLUSH_MS} ms ${show(runs.gathered)}; the loop and record alone ${floor.toFixed(2)} µs`);
