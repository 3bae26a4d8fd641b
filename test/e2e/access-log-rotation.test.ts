/**
 * Rotating `moor start --access-log FILE` as logrotate does: the file is renamed, then SIGHUP. The
 * renamed file keeps exactly the lines of the requests before, the new file gets those after, none
 * lost, in a single process and with `--workers 2`, and also when the configuration SIGHUP reloads is
 * rejected. A rotation whose new file cannot be made is counted in /metrics, summed over the workers.
 */
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, post, soap11 } from '../helpers/gateway.ts';
import { type MoorProcess, startMoor } from '../cli/run-moor.ts';
import { startMoor as startWithAdmin } from '../helpers/processes.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { parseSamples, sampleValue } from '../metrics/prometheus-text.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };

/** A configuration sending proxy Cart to one Cart backend; the gateway logs to a new file. */
async function start(t: ExecutionContext, extra: string[] = []): Promise<{ moor: MoorProcess; dir: string; file: string }> {
  const [backend] = await startBackends(1);
  t.teardown(() => backend!.close());
  const dir = await configDir({
    'cart.xml': definitions(`<proxy name="Cart"><target><inSequence><send><endpoint><address uri="${backend!.url}"/></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  const file = path.join(tempDir('moor-access-'), 'access.log');
  const moor = await startMoor(['--config', dir, '--access-log', file, ...extra], tmpdir());
  t.teardown(() => moor.stop());
  return { moor, dir, file };
}

/**
 * `n` requests whose bodies carry `item` (the lines of a phase are told apart by their bytesIn), each on
 * a connection of its own, so that node:cluster hands them to the workers in turn.
 */
async function requests(t: ExecutionContext, url: string, n: number, item: string): Promise<void> {
  for (let i = 0; i < n; i++) t.is((await post(`${url}/services/Cart`, soap11(addItem(item)), { ...ACTION, connection: 'close' })).status, 200);
}

/** The bytesIn of each line of `file`. */
async function bytesIn(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { bytesIn: number }).bytesIn);
}

const FIRST = Buffer.byteLength(soap11(addItem('before')));
const LATER = Buffer.byteLength(soap11(addItem('after the rotation')));

/**
 * Rotates the log of `moor`: waits for the first `n` lines to be written, renames the file, sends
 * SIGHUP and waits for `reopened` log lines saying each process reopened it.
 */
async function rotate(moor: MoorProcess, file: string, n: number, reopened: RegExp): Promise<void> {
  for (let i = 0; i < 200 && (await bytesIn(file)).length < n; i++) await new Promise((r) => setTimeout(r, 25));
  await rename(file, `${file}.1`);
  const from = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(reopened, from);
}

test('rename, SIGHUP: the renamed file has exactly the lines before, the new file those after', async (t) => {
  const { moor, file } = await start(t);
  await requests(t, moor.url, 5, 'before');
  await rotate(moor, file, 5, /access log reopened \(SIGHUP\)/);
  await access(file);
  await requests(t, moor.url, 3, 'after the rotation');
  await moor.stop();
  t.deepEqual(await bytesIn(`${file}.1`), Array(5).fill(FIRST));
  t.deepEqual(await bytesIn(file), Array(3).fill(LATER));
  t.regex(moor.output(), /configuration reloaded \(SIGHUP\)/, 'and the configuration was reloaded as before');
});

test('--workers 2: SIGHUP to the primary makes every worker reopen the file', async (t) => {
  const { moor, file } = await start(t, ['--workers', '2']);
  await requests(t, moor.url, 8, 'before');
  await rotate(moor, file, 8, /access log reopened \(SIGHUP to the primary\)[^]*access log reopened \(SIGHUP to the primary\)/);
  await requests(t, moor.url, 8, 'after the rotation');
  await moor.stop();
  t.deepEqual(await bytesIn(`${file}.1`), Array(8).fill(FIRST));
  t.deepEqual(await bytesIn(file), Array(8).fill(LATER));
});

test('a rejected configuration still has SIGHUP reopen the file', async (t) => {
  const { moor, dir, file } = await start(t);
  await requests(t, moor.url, 2, 'before');
  await writeFile(path.join(dir, 'broken.xml'), '<definitions xmlns="http://ws.apache.org/ns/synapse"><proxy name="Broken">');
  await rotate(moor, file, 2, /configuration not reloaded \(SIGHUP\)/);
  t.regex(moor.output(), /access log reopened \(SIGHUP\)/);
  await requests(t, moor.url, 3, 'after the rotation');
  await moor.stop();
  t.deepEqual(await bytesIn(`${file}.1`), Array(2).fill(FIRST));
  t.deepEqual(await bytesIn(file), Array(3).fill(LATER));
});

test('--workers 2: a SIGHUP whose path cannot be opened (its folder moved away) is counted in moor_access_log_failed_reopens_total, once per worker, and the lines go on', async (t) => {
  const [backend] = await startBackends(1);
  t.teardown(() => backend!.close());
  const dir = await configDir({
    'cart.xml': definitions(`<proxy name="Cart"><target><inSequence><send><endpoint><address uri="${backend!.url}"/></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  const logs = path.join(tempDir('moor-access-'), 'logs');
  await mkdir(logs);
  const file = path.join(logs, 'access.log');
  const gw = await startWithAdmin(dir, ['--access-log', file, '--admin', '127.0.0.1:0', '--workers', '2', '--log-level', 'info']);
  t.teardown(() => gw.kill());
  const failedReopens = async (): Promise<number | undefined> => sampleValue(parseSamples(await (await fetch(`${gw.adminUrl!}/metrics`)).text()), 'moor_access_log_failed_reopens_total');
  const said = async (pattern: RegExp, count: number, from: number): Promise<void> => {
    for (let i = 0; i < 400 && (gw.output().slice(from).match(pattern) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 25));
    t.is((gw.output().slice(from).match(pattern) ?? []).length, count, gw.output().slice(from));
  };
  t.is(await failedReopens(), 0, 'at 0 before any reopen failed');
  await requests(t, gw.url, 4, 'before');

  await rename(logs, `${logs}.moved`);
  let from = gw.output().length;
  gw.proc.kill('SIGHUP');
  await said(/access log: cannot reopen/g, 2, from);
  t.is(await failedReopens(), 2, 'each worker failed once: summed');
  await requests(t, gw.url, 4, 'after the rotation');

  // the folder back: the next SIGHUP reopens, and the counter keeps what happened
  await mkdir(logs);
  from = gw.output().length;
  gw.proc.kill('SIGHUP');
  await said(/access log reopened \(SIGHUP to the primary\)/g, 2, from);
  t.is(await failedReopens(), 2);
  t.is(await gw.stop('SIGTERM'), 0);
  // (the lines of the failed rotation went on to the file open before, now in the moved folder; the two
  // workers' lines in the order each wrote them)
  t.deepEqual((await bytesIn(path.join(`${logs}.moved`, 'access.log'))).sort(), [...Array(4).fill(FIRST), ...Array(4).fill(LATER)].sort());
});
