/**
 * `moor start --access-log`: a JSON line per request, as an operator reads it from the file (with two
 * worker processes writing to it) or from stdout; session ids appear only as their short hash. What it
 * loses (lines dropped, writes failed) is counted in the admin listener's /metrics.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { sessionHash } from '../../src/server/access-log.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, post, soap11 } from '../helpers/gateway.ts';
import { spawnMoor } from '../helpers/process.ts';
import { runMoor, startMoor } from '../helpers/processes.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { parseSamples, sampleValue } from '../metrics/prometheus-text.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

async function cartConfig(t: import('ava').ExecutionContext): Promise<{ dir: string; members: string[] }> {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const dir = await configDir({
    'cart.xml': definitions(`
      ${memberEndpoints(backends)}
      <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${backends.map((b) => `<endpoint key="${b.name}"/>`).join('')}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  return { dir, members: backends.map((b) => `${b.name}@${b.url}`) };
}

interface Line {
  time: string;
  proxy: string;
  method: string;
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  endpoint?: string;
  session?: string;
  error?: string;
}

test('--access-log FILE with --workers 2: one line per request, with endpoint, hashed session and error code', async (t) => {
  const { dir, members } = await cartConfig(t);
  const file = path.join(tempDir('moor-access-'), 'access.log');
  const gw = await startMoor(dir, ['--workers', '2', '--access-log', file]);
  t.teardown(() => gw.kill());
  const body = soap11(addItem('x'), clientId('customer-4711'));
  for (let i = 0; i < 6; i++) t.is((await post(`${gw.url}/services/Cart`, body, ACTION)).status, 200);
  t.is((await post(`${gw.url}/services/Cart`, '<oops/>', { 'content-type': 'application/json' })).status, 415);
  t.is((await post(`${gw.url}/services/Cart`, soap11('<a:B xmlns:a="urn:a"><!DOCTYPE x></a:B>'), ACTION)).status, 500);
  t.is(await gw.stop('SIGTERM'), 0);

  const text = await readFile(file, 'utf8');
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
  t.is(lines.length, 8, 'one line per request, from both workers');
  t.false(text.includes('customer-4711'), 'the session id itself is never written');
  const ok = lines.filter((l) => l.status === 200);
  t.is(ok.length, 6);
  for (const l of ok) {
    t.is(l.proxy, 'Cart');
    t.is(l.method, 'POST');
    t.is(l.bytesIn, Buffer.byteLength(body));
    t.true(l.bytesOut > 200, 'status line, headers and the envelope');
    t.true(l.durationMs > 0);
    t.false(Number.isNaN(Date.parse(l.time)));
    t.is(l.session, sessionHash('customer-4711'), 'the short hash of the session id');
    t.is(l.error, undefined);
  }
  t.is(new Set(ok.map((l) => l.endpoint)).size, 1, 'the session stayed on one member across both workers');
  t.true(members.includes(ok[0]!.endpoint!));
  const refused = lines.find((l) => l.status === 415)!;
  t.is(refused.error, 'MOOR_ERR_NOT_SOAP');
  t.is(refused.endpoint, undefined);
  t.is(lines.find((l) => l.status === 500)?.error, 'MOOR_ERR_DOCTYPE');
});

test('a line reaches the file within the flush time, a second by default, and at once with --access-log-flush-ms 0', async (t) => {
  const { dir } = await cartConfig(t);
  for (const [flags, within] of [[[], 5000], [['--access-log-flush-ms', '0'], 500]] as const) {
    const file = path.join(tempDir('moor-access-'), 'access.log');
    const gw = await startMoor(dir, ['--access-log', file, ...flags]);
    t.teardown(() => gw.kill());
    const sent = Date.now();
    t.is((await post(`${gw.url}/services/Cart`, soap11(addItem('x')), ACTION)).status, 200);
    if (flags.length === 0) t.is(await readFile(file, 'utf8'), '', 'the line waits for the flush time');
    let text = '';
    while (text === '' && Date.now() - sent < within) {
      await new Promise((r) => setTimeout(r, 20));
      text = await readFile(file, 'utf8');
    }
    t.is(text.split('\n').length - 1, 1, `one line within ${within} ms ${flags.join(' ')}`);
    t.is(await gw.stop('SIGTERM'), 0);
  }
});

test('--access-log -: the lines go to stdout', async (t) => {
  const { dir } = await cartConfig(t);
  const moor = spawnMoor(['start', '--config', dir, '--port', '0', '--access-log', '-']);
  t.teardown(() => moor.child.kill('SIGKILL'));
  const url = await moor.listening;
  t.is((await post(`${url}/services/Cart`, soap11(addItem('x'), clientId('s-1')), ACTION)).status, 200);
  t.is((await post(`${url}/services/Missing`, soap11(addItem('x')), ACTION)).status, 404);
  moor.child.kill('SIGTERM');
  t.is(await moor.exited, 0);
  const lines = moor
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  t.deepEqual(
    lines.map((l) => [l.proxy, l.status, l.error]),
    [
      ['Cart', 200, undefined],
      ['(none)', 404, 'MOOR_ERR_NO_SERVICE'],
    ],
  );
});

test('--access-log into a folder that does not exist: one line, exit 2', async (t) => {
  const r = await runMoor(['start', '--config', 'mediators', '--port', '0', '--access-log', '/nonexistent-dir/a.log']);
  t.is(r.code, 2);
  t.regex(r.stderr, /^moor: --access-log \/nonexistent-dir\/a\.log: cannot write there \(ENOENT\)\n/);
});

/** The access log's two counters in a scrape of `admin`'s /metrics. */
async function lossCounters(admin: string): Promise<{ dropped: number | undefined; failed: number | undefined }> {
  const samples = parseSamples(await (await fetch(`${admin}/metrics`)).text());
  return { dropped: sampleValue(samples, 'moor_access_log_dropped_lines_total'), failed: sampleValue(samples, 'moor_access_log_failed_writes_total') };
}

for (const workers of [1, 2]) {
  test(`--access-log-buffer-bytes smaller than a line${workers > 1 ? ', --workers 2' : ''}: every line dropped, counted in /metrics`, async (t) => {
    const { dir } = await cartConfig(t);
    const file = path.join(tempDir('moor-access-'), 'access.log');
    const gw = await startMoor(dir, ['--access-log', file, '--access-log-buffer-bytes', '100', '--admin', '127.0.0.1:0', '--workers', String(workers)]);
    t.teardown(() => gw.kill());
    t.deepEqual(await lossCounters(gw.adminUrl!), { dropped: 0, failed: 0 }, 'both at 0 before anything is lost');
    // (each on a connection of its own: node:cluster hands them to the workers in turn)
    for (let i = 0; i < 6; i++) t.is((await post(`${gw.url}/services/Cart`, soap11(addItem('x')), { ...ACTION, connection: 'close' })).status, 200);
    t.deepEqual(await lossCounters(gw.adminUrl!), { dropped: 6, failed: 0 }, workers > 1 ? 'summed over the workers' : 'one a request');
    t.is(await gw.stop('SIGTERM'), 0);
    t.is(await readFile(file, 'utf8'), '');
  });
}

test('--access-log /dev/full: the failed writes are counted in /metrics, and the gateway goes on answering', async (t) => {
  const { dir } = await cartConfig(t);
  const gw = await startMoor(dir, ['--access-log', '/dev/full', '--admin', '127.0.0.1:0']);
  t.teardown(() => gw.kill());
  for (let i = 0; i < 3; i++) t.is((await post(`${gw.url}/services/Cart`, soap11(addItem('x')), ACTION)).status, 200);
  // (the lines are written once the flush time, a second, has passed)
  let counters = await lossCounters(gw.adminUrl!);
  for (const deadline = Date.now() + 5000; !counters.failed && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    counters = await lossCounters(gw.adminUrl!);
  }
  const { failed, dropped } = counters;
  t.true(failed !== undefined && failed >= 1, `failed ${failed}`);
  t.is(dropped, 0);
  t.regex(gw.output(), /access log: 1 write\(s\) failed so far, their lines lost \(ENOSPC\)/);
});

test('without --access-log the counters have no sample', async (t) => {
  const { dir } = await cartConfig(t);
  const gw = await startMoor(dir, ['--admin', '127.0.0.1:0']);
  t.teardown(() => gw.kill());
  t.deepEqual(await lossCounters(gw.adminUrl!), { dropped: undefined, failed: undefined });
});
