/**
 * The access log's writer on its own: a burst of lines faster than the disk takes them is all on disk,
 * whole and in order, once close() resolves (moor stops after it: a line left in memory is lost); a
 * reopen in the middle of a burst puts each line in one file, the old or the new; drops and failed
 * writes are warned of each on its own throttle.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { renameSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { AccessLog } from '../../src/server/access-log.ts';
import { WarningThrottle } from '../../src/server/warning-throttle.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A path for a new access log, in a folder of its own. */
const newLogFile = async () => path.join(tempDir('moor-access-'), 'access.log');

/** The bytesIn of each line of `file` (the index of the record written). */
const indexes = async (file: string): Promise<number[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { bytesIn: number }).bytesIn);

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const record = (i: number) => ({ time: new Date(0).toISOString(), proxy: 'Cart', method: 'POST', status: 200, durationMs: i / 1000, bytesIn: i, bytesOut: 2 * i });

test('close() resolves only when every line written before it is in the file', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file);
  const n = 60_000;
  for (let i = 0; i < n; i++) {
    log.write(record(i));
    // (the gateway writes between other work: let the writer's callbacks run now and then)
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  await log.close();
  const lines = (await readFile(file, 'utf8')).split('\n');
  t.is(lines.pop(), '', 'the file ends with a whole line');
  t.is(lines.length, n);
  t.deepEqual(JSON.parse(lines[0]!), record(0));
  t.deepEqual(JSON.parse(lines[n - 1]!), record(n - 1));
  t.true(lines.every((l, i) => JSON.parse(l).bytesIn === i), 'whole lines, in the order written');
  t.is(log.dropped, 0);
});

test('an existing file is appended to, not replaced', async (t) => {
  const file = await newLogFile();
  for (const i of [1, 2]) {
    const log = AccessLog.open(file);
    log.write(record(i));
    await log.close();
  }
  t.deepEqual((await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).bytesIn), [1, 2]);
});

test('past the buffer bound lines are dropped, counted and warned of once, and the rest stay whole', async (t) => {
  const file = await newLogFile();
  const warnings: string[] = [];
  const log = AccessLog.open(file, (m) => warnings.push(m), 2000);
  // all at once: the first line's write is still on its way while the others gather
  for (let i = 0; i < 200; i++) log.write(record(i));
  await log.close();
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  t.true(log.dropped > 100, `dropped ${log.dropped}`);
  t.is(lines.length, 200 - log.dropped);
  t.true(lines.every((l) => typeof JSON.parse(l).bytesIn === 'number'), 'every line written is whole');
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /access log: \d+ line\(s\) dropped so far: more than 2000 bytes \(--access-log-buffer-bytes\)/);
});

test('--access-log -: close() waits for stdout too, so a process that exits right after loses no line', async (t) => {
  const n = 50_000;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../fixtures/access-log/burst-to-stdout.ts'), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const [code] = (await once(child, 'close')) as [number];
  t.is(code, 0);
  const lines = out.split('\n');
  t.is(lines.pop(), '', 'the output ends with a whole line');
  t.is(lines.length, n);
  t.is(JSON.parse(lines[n - 1]!).bytesIn, n - 1);
});

test('a disk that refuses the writes (/dev/full) loses the lines, not the process: counted, warned of once, close() resolves', async (t) => {
  const warnings: string[] = [];
  const log = AccessLog.open('/dev/full', (m) => warnings.push(m));
  for (let i = 0; i < 300; i++) {
    log.write(record(i));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
  }
  await log.close();
  t.true(log.failed >= 1);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /^access log: 1 write\(s\) failed so far, their lines lost \(ENOSPC\)$/);
});

test('reopen() in the middle of a burst: the lines before it are in the renamed file, those after in the new one, none lost or twice', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file);
  const n = 40_000;
  const at = 20_000;
  for (let i = 0; i < n; i++) {
    if (i === at) {
      // as logrotate does: the file moved away, then the signal (with no turn of the event loop between
      // them and the last writes, which are on their way to the disk or waiting)
      renameSync(file, `${file}.1`);
      t.true(log.reopen());
    }
    log.write(record(i));
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  await log.close();
  t.deepEqual(await indexes(`${file}.1`), range(0, at));
  t.deepEqual(await indexes(file), range(at, n));
  t.is(log.dropped, 0);
  t.is(log.failed, 0);
});

test('a path that cannot be reopened (its folder moved away): one warning, the lines go on to the file open before, a later reopen succeeds', async (t) => {
  // (a folder inside a temp folder: the one moved away is removed with it)
  const dir = path.join(tempDir('moor-access-'), 'logs');
  await mkdir(dir);
  const file = path.join(dir, 'access.log');
  const warnings: string[] = [];
  const log = AccessLog.open(file, (m) => warnings.push(m));
  log.write(record(0));
  await rename(dir, `${dir}.moved`);
  t.is(log.failedReopens, 0);
  t.false(log.reopen());
  t.deepEqual(warnings, [`access log: cannot reopen ${file} (ENOENT); its lines go on to the file open before, and the next SIGHUP tries again`]);
  t.is(log.failedReopens, 1, 'counted, for moor_access_log_failed_reopens_total');
  log.write(record(1));
  await mkdir(dir);
  t.true(log.reopen());
  t.is(log.failedReopens, 1, 'a counter: the reopen that worked does not take it back');
  log.write(record(2));
  await log.close();
  t.deepEqual(await indexes(path.join(`${dir}.moved`, 'access.log')), [0, 1]);
  t.deepEqual(await indexes(file), [2]);
  t.is(log.failed, 0, 'no write failed: the old file took the lines');
  t.is(warnings.length, 1);
});

test('reopen() of stdout, or of a closed log, does nothing', async (t) => {
  const out = AccessLog.open('-');
  t.false(out.reopen());
  await out.close();
  const log = AccessLog.open(await newLogFile());
  await log.close();
  t.false(log.reopen());
});

test('drops and failed writes are warned of each on its own throttle: a burst of drops does not hide the first failed write', async (t) => {
  const warnings: string[] = [];
  // a tiny buffer on a full disk: the burst is dropped while the first write is on its way, which then fails
  const log = AccessLog.open('/dev/full', (m) => warnings.push(m), 2000);
  for (let i = 0; i < 200; i++) log.write(record(i));
  await log.close();
  t.true(log.dropped > 100, `dropped ${log.dropped}`);
  t.true(log.failed >= 1);
  t.is(warnings.length, 2, warnings.join('\n'));
  // (the first batch dropped whole: lines gather before they are written)
  t.regex(warnings[0]!, /^access log: \d+ line\(s\) dropped so far/);
  t.regex(warnings[1]!, /^access log: 1 write\(s\) failed so far, their lines lost \(ENOSPC\)$/);
});

/** Resolves once `file` holds `lines` lines, or rejects after `ms`. */
async function fileHasLines(file: string, lines: number, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.split('\n').length - 1 >= lines) return text;
    if (Date.now() > deadline) throw new Error(`${file} holds ${text.split('\n').length - 1} lines, not ${lines}, after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('lines gather for the flush time and then leave, whole and in order', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file, () => {}, undefined, 300);
  for (let i = 0; i < 3; i++) log.write(record(i));
  await new Promise((r) => setTimeout(r, 100));
  t.is(await readFile(file, 'utf8'), '', 'nothing written before the flush time');
  await fileHasLines(file, 3);
  t.deepEqual(await indexes(file), [0, 1, 2]);
  await log.close();
});

test('with a flush time of 0 each line is written at once', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file, () => {}, undefined, 0);
  log.write(record(7));
  // (well within a flush time: the line is on its way as soon as it is written)
  await fileHasLines(file, 1, 250);
  t.deepEqual(await indexes(file), [7]);
  await log.close();
});

test('64 KB of lines leave without waiting for the flush time; the rest wait', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file, () => {}, undefined, 60_000);
  const n = 1000; // ~100 bytes each: more than one batch
  for (let i = 0; i < n; i++) log.write(record(i));
  const text = await fileHasLines(file, 1);
  const written = text.split('\n').length - 1;
  t.true(written < n, `${written} of ${n} lines written before the flush time`);
  t.true(text.endsWith('\n'), 'whole lines');
  t.true(Buffer.byteLength(text) <= 64 * 1024);
  t.deepEqual(await indexes(file), range(0, written));
  await log.close();
  t.deepEqual(await indexes(file), range(0, n), 'close() writes the lines still gathering');
});

test('a line written after close() is counted as dropped, and nothing throws later', async (t) => {
  const file = await newLogFile();
  const log = AccessLog.open(file, () => {}, undefined, 20);
  log.write(record(1));
  await log.close();
  t.notThrows(() => log.write(record(2)));
  await new Promise((r) => setTimeout(r, 100));
  t.is(log.dropped, 1);
  t.deepEqual(await indexes(file), [1]);
});

test('a warning throttle allows one warning a minute', (t) => {
  let now = 0;
  const throttle = new WarningThrottle(60_000, () => now);
  t.true(throttle.allow());
  now = 59_999;
  t.false(throttle.allow());
  now = 60_000;
  t.true(throttle.allow());
  t.false(throttle.allow());
});
