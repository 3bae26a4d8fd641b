/** `moor start` as a process: the ready line, graceful SIGTERM, and clear refusals with non-zero exits. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { configDir, definitions, post, soap11 } from '../helpers/gateway.ts';
import { spawnMoor } from '../helpers/process.ts';

/** A config folder whose proxy Slow sends to a backend that answers `<done/>` after `delayMs`. */
async function slowProxyConfig(t: ExecutionContext, delayMs: number): Promise<string> {
  const slow = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(soap11('<done/>')), delayMs);
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  t.teardown(() => slow.close());
  return configDir({
    'p.xml': definitions(`<proxy name="Slow"><target><endpoint><address uri="http://127.0.0.1:${(slow.address() as AddressInfo).port}/"/></endpoint></target></proxy>`),
  });
}

test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async (t) => {
  // a backend that answers after 800 ms, so the request is in flight when SIGTERM arrives
  const dir = await slowProxyConfig(t, 800);
  const moor = spawnMoor(['start', '--config', dir, '--port', '0']);
  t.teardown(() => moor.child.kill('SIGKILL'));
  const url = await moor.listening;
  t.regex(moor.stdout(), /^moor listening on http:\/\/127\.0\.0\.1:\d+\n/);
  const inFlight = post(`${url}/services/Slow`, soap11('<go/>'));
  await new Promise((r) => setTimeout(r, 200));
  moor.child.kill('SIGTERM');
  const r = await inFlight;
  t.is(r.status, 200);
  t.regex(r.text, /<done\/>/);
  t.is(await moor.exited, 0);
});

test('a second SIGTERM, or SIGINT then SIGTERM, while stopping does not cut the request in flight short: answered, exit 0 (also the primary of --workers 2)', async (t) => {
  const dir = await slowProxyConfig(t, 1500);
  // (the default action of the second signal ended the process at once: the client's connection reset, exit by SIGTERM)
  for (const [flags, signals] of [[[], ['SIGTERM', 'SIGTERM']], [[], ['SIGINT', 'SIGTERM']], [['--workers', '2'], ['SIGTERM', 'SIGTERM']]] as const) {
    const label = `${flags.join(' ')} ${signals.join(', ')}`;
    const moor = spawnMoor(['start', '--config', dir, '--port', '0', ...flags], { MOOR_LOG_LEVEL: 'info' });
    t.teardown(() => moor.child.kill('SIGKILL'));
    const url = await moor.listening;
    const inFlight = post(`${url}/services/Slow`, soap11('<go/>'));
    await new Promise((r) => setTimeout(r, 300));
    moor.child.kill(signals[0]);
    await new Promise((r) => setTimeout(r, 200));
    moor.child.kill(signals[1]);
    const r = await inFlight;
    t.is(r.status, 200, label);
    t.regex(r.text, /<done\/>/, label);
    t.is(await moor.exited, 0, label);
    t.regex(moor.stdout(), new RegExp(`${signals[1]}: .*still finishing`), label);
  }
});

test('a bad flag: a usage message on stderr and exit 2', async (t) => {
  const moor = spawnMoor(['start', '--config', 'mediators', '--prot', '1']);
  t.is(await moor.exited, 2);
  t.regex(moor.stderr(), /--prot/);
  t.regex(moor.stderr(), /usage:/);
  const noConfig = spawnMoor(['start']);
  t.is(await noConfig.exited, 2);
  t.regex(noConfig.stderr(), /--config/);
});

test('an invalid configuration: file:line:col CODE lines on stderr and exit 1', async (t) => {
  const dir = await configDir({
    'bad.xml': definitions(`\n  <proxy name="P"><target><inSequence><lgo/></inSequence></target></proxy>`),
  });
  const moor = spawnMoor(['start', '--config', dir, '--port', '0']);
  t.is(await moor.exited, 1);
  t.regex(moor.stderr(), /bad\.xml:2:39 MOOR_ERR_UNKNOWN_MEDIATOR <lgo> is not a mediator \(did you mean "log"\?\)/);
  t.notRegex(moor.stdout(), /listening/);
});

test('the shipped configuration is valid', async (t) => {
  const moor = spawnMoor(['validate', '--config', 'mediators']);
  t.is(await moor.exited, 0, moor.stderr());
  t.regex(moor.stdout(), /valid/);
});

test('start errors are one line with the system code, exit 1, no stack: a port in use (also for --workers), an address of no interface, an unknown host', async (t) => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.teardown(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  const dir = await configDir({ 'p.xml': definitions('<proxy name="P"><target><inSequence><respond/></inSequence></target></proxy>') });
  const cases: [string[], string][] = [
    [['--port', String(port)], `moor: cannot listen on 127.0.0.1:${port}: address in use (EADDRINUSE)\n`],
    [['--port', String(port), '--workers', '2'], `moor: cannot listen on 127.0.0.1:${port}: address in use (EADDRINUSE)\n`],
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): an address no machine's interface has
    [['--port', '0', '--host', '192.0.2.1'], 'moor: cannot listen on 192.0.2.1:0: address not available on this machine (EADDRNOTAVAIL)\n'],
    [['--port', '0', '--host', 'no-such-host.invalid'], /^moor: cannot listen on no-such-host\.invalid:0: (no such host \(ENOTFOUND\)|host name lookup failed \(EAI_AGAIN\))\n$/.source],
  ];
  for (const [flags, expected] of cases) {
    const moor = spawnMoor(['start', '--config', dir, ...flags]);
    t.is(await moor.exited, 1, flags.join(' '));
    if (expected.startsWith('^')) t.regex(moor.stderr(), new RegExp(expected));
    else t.is(moor.stderr(), expected, flags.join(' '));
    t.notRegex(moor.stdout(), /listening/);
  }
});

test('an unreachable Redis at start is said at once, before the wait for it, then the gateway starts degraded', async (t) => {
  // a port that nothing listens on
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const dir = await configDir({ 'p.xml': definitions('<proxy name="P"><target><inSequence><respond/></inSequence></target></proxy>') });
  const moor = spawnMoor(['start', '--config', dir, '--port', '0', '--store', `redis://127.0.0.1:${port}/0`], { MOOR_LOG_LEVEL: 'info' });
  t.teardown(() => moor.child.kill('SIGKILL'));
  await moor.listening;
  const out = moor.stdout();
  const connecting = out.indexOf(`session store: connecting to redis://127.0.0.1:${port}/0`);
  const degraded = out.indexOf('session store degraded');
  t.true(connecting >= 0, out);
  t.true(degraded > connecting, 'the first line comes before the connection wait ends');
  t.true(out.indexOf('moor listening on') > degraded);
});

test('a bad flag value is one usage message and exit 2, before a store is opened or a worker forked: --log-level, MOOR_LOG_LEVEL, --timeout-ms, --access-log (also with --workers)', async (t) => {
  const dir = await configDir({ 'p.xml': definitions('<proxy name="P"><target><inSequence><respond/></inSequence></target></proxy>') });
  const levels = 'error, warn, info, http, verbose, debug, silly';
  const cases: [string[], Record<string, string>, string][] = [
    // (winston took any word and then printed nothing at all, not even the errors)
    [['--log-level', 'loud'], {}, `moor: --log-level takes one of ${levels}; not "loud"`],
    [[], { MOOR_LOG_LEVEL: 'loud' }, `moor: MOOR_LOG_LEVEL takes one of ${levels}; not "loud"`],
    [['--log-level', 'loud', '--workers', '2'], {}, `moor: --log-level takes one of ${levels}; not "loud"`],
    // (these were read after the session store was opened, and with --workers by each worker: a usage
    // message per worker, then "a worker exited while starting (2)" and exit 1)
    [['--timeout-ms', 'soon'], {}, 'moor: --timeout-ms takes a whole number, not "soon"'],
    [['--timeout-ms', 'soon', '--workers', '2'], {}, 'moor: --timeout-ms takes a whole number, not "soon"'],
    [['--session-count-limit', 'many', '--workers', '2'], {}, 'moor: --session-count-limit takes a whole number, not "many"'],
    [['--access-log-buffer-bytes', '1M', '--access-log', '-'], {}, 'moor: --access-log-buffer-bytes takes a whole number, not "1M"'],
    [['--access-log-flush-ms', '1s', '--access-log', '-'], {}, 'moor: --access-log-flush-ms takes a whole number, not "1s"'],
    [['--access-log', '/nonexistent-dir/a.log', '--workers', '2'], {}, 'moor: --access-log /nonexistent-dir/a.log: cannot write there (ENOENT)'],
  ];
  for (const [flags, env, expected] of cases) {
    const label = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...flags].join(' ');
    const moor = spawnMoor(['start', '--config', dir, '--port', '0', ...flags], { MOOR_LOG_LEVEL: 'info', ...env });
    t.teardown(() => moor.child.kill('SIGKILL'));
    t.is(await moor.exited, 2, label);
    const [first, second] = moor.stderr().split('\n');
    t.is(first, expected, label);
    t.is(second, 'usage:', label);
    t.is(moor.stderr().split('usage:').length, 2, `${label}: the usage once`);
    t.is(moor.stdout(), '', `${label}: nothing started, not even the session store`);
  }
});
