/**
 * `moor start --https-port N --tls-cert F --tls-key F`: the HTTPS listener beside the HTTP one, as a
 * user runs it (the real command, real Cart backends, undici trusting the test certificate): sessions
 * stick across both listeners, with --workers 2 too; SIGHUP rotates the certificate (a bad new pair keeps
 * the old one); a connection that never completes its handshake is cut within headTimeoutMs; TLS below
 * 1.2 is refused; transports="http|https" chooses the listener; bad flags and files are one line.
 * The certificates are fixtures (test/helpers/tls.ts).
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import path from 'node:path';
import test from 'ava';
import { type Agent, request } from 'undici';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, soap11, startGateway } from '../helpers/gateway.ts';
import { type GatewayProcess, runMoor, startMoor } from '../helpers/processes.ts';
import { openRaw } from '../helpers/raw-client.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { CERT1, CERT2, HTTPS_FLAGS, httpsUrlOf, KEY1, KEY2, TLS_FIXTURES, trusting } from '../helpers/tls.ts';

const fingerprint = async (file: string): Promise<string> => new X509Certificate(await readFile(file)).fingerprint256;

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;
const MOOR_NS = 'xmlns:moor="urn:moor:config"';

async function postVia(url: string, body: string, dispatcher?: Agent, headers: Record<string, string> = ACTION): Promise<{ status: number; text: string }> {
  const res = await request(url, { method: 'POST', body, headers, ...(dispatcher ? { dispatcher } : {}) });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to `url` is shown. */
function peerFingerprint(url: string, extra: ConnectionOptions = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: hostname, port: Number(port), rejectUnauthorized: false, ...extra }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** A configuration folder: a sticky group `Carts` over two Cart backends, and the proxy `Cart` on it; `extra` inside <definitions>. */
async function cartConfig(t: import('ava').ExecutionContext, extra = ''): Promise<string> {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  return configDir({
    'cart.xml': definitions(`
      ${memberEndpoints(backends)}
      <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${backends.map((b) => `<endpoint key="${b.name}"/>`).join('')}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>
      ${extra}`),
  });
}

for (const workers of [1, 2]) {
  test(`a session over HTTPS stays on one backend, and the same session over HTTP reaches the same one${workers > 1 ? ' (--workers 2)' : ''}`, async (t) => {
    const dir = await cartConfig(t);
    const gw = await startMoor(dir, [...HTTPS_FLAGS, ...(workers > 1 ? ['--workers', '2'] : [])]);
    t.teardown(() => gw.kill());
    const https = await httpsUrlOf(gw);
    t.regex(https, /^https:\/\/127\.0\.0\.1:\d+$/);
    t.not(new URL(https).port, new URL(gw.url).port);
    const agent = await trusting(t);

    const seen: { instance: string | undefined; count: string | undefined }[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await postVia(`${https}/services/Cart`, soap11(addItem(`s${i}`), clientId('customer-1')), agent);
      t.is(r.status, 200, r.text);
      seen.push({ instance: elementText(r.text, 'instance'), count: elementText(r.text, 'count') });
    }
    const first = seen[0]!.instance;
    t.truthy(first);
    t.true(seen.every((s) => s.instance === first), `one backend over HTTPS: ${JSON.stringify(seen)}`);
    t.deepEqual(seen.map((s) => s.count), ['1', '2', '3', '4', '5', '6'], 'the cart grows on that backend');

    // the same session over plain HTTP: the same backend, the same cart
    const plain = await postVia(`${gw.url}/services/Cart`, soap11(addItem('p'), clientId('customer-1')));
    t.is(plain.status, 200);
    t.is(elementText(plain.text, 'instance'), first);
    t.is(elementText(plain.text, 'count'), '7');
    // and back over HTTPS
    const again = await postVia(`${https}/services/Cart`, soap11(addItem('q'), clientId('customer-1')), agent);
    t.is(elementText(again.text, 'instance'), first);
    t.is(elementText(again.text, 'count'), '8');

    // a client that does not trust the certificate is refused by its own TLS check
    await t.throwsAsync(request(`${https}/services/Cart`, { method: 'POST', body: soap11(addItem('x')), headers: ACTION }), { message: /self[- ]signed|certificate/i });
    t.is(await gw.stop('SIGTERM'), 0);
  });
}

test('SIGHUP reads the certificate files again (--workers 2): new connections get the new certificate; a bad new pair keeps the old one with a warning', async (t) => {
  const dir = await cartConfig(t);
  const files = tempDir('moor-tls-');
  const cert = path.join(files, 'cert.pem');
  const key = path.join(files, 'key.pem');
  await copyFile(CERT1, cert);
  await copyFile(KEY1, key);
  const gw = await startMoor(dir, ['--https-port', '0', '--tls-cert', cert, '--tls-key', key, '--workers', '2', '--log-level', 'info']);
  t.teardown(() => gw.kill());
  const https = await httpsUrlOf(gw);
  const [fp1, fp2] = [await fingerprint(CERT1), await fingerprint(CERT2)];
  t.not(fp1, fp2);
  t.is(await peerFingerprint(https), fp1);

  await copyFile(CERT2, cert);
  await copyFile(KEY2, key);
  const before = gw.output().length;
  gw.proc.kill('SIGHUP');
  // every worker says so, and the configuration is reloaded too
  for (let i = 0; i < 500 && (gw.output().slice(before).match(/HTTPS certificate reloaded \(SIGHUP to the primary\)/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  t.is((gw.output().slice(before).match(/HTTPS certificate reloaded/g) ?? []).length, 2, gw.output().slice(before));
  t.regex(gw.output().slice(before), new RegExp(`sha256 ${fp2}`));
  // (new connections are spread over both workers: each must show the new one)
  for (let i = 0; i < 8; i++) t.is(await peerFingerprint(https), fp2, `connection ${i}`);
  const agent = await trusting(t);
  t.is((await postVia(`${https}/services/Cart`, soap11(addItem('a'), clientId('c')), agent)).status, 200);

  // a key that is not the certificate's: one warning (per worker), the running pair keeps serving
  await copyFile(KEY1, key);
  const mark = gw.output().length;
  gw.proc.kill('SIGHUP');
  for (let i = 0; i < 500 && (gw.output().slice(mark).match(/HTTPS certificate not reloaded/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const said = gw.output().slice(mark);
  t.is((said.match(/HTTPS certificate not reloaded/g) ?? []).length, 2, said);
  t.regex(said, new RegExp(`the running one keeps serving: --tls-key ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not the private key of the certificate in --tls-cert`));
  for (let i = 0; i < 4; i++) t.is(await peerFingerprint(https), fp2);
  t.is((await postVia(`${https}/services/Cart`, soap11(addItem('b'), clientId('c')), agent)).status, 200);
  t.is(await gw.stop('SIGTERM'), 0);
});

test('a connection that never completes its TLS handshake is closed within headTimeoutMs (silent, or trickling a hello); TLS below 1.2 is refused', async (t) => {
  const dir = await cartConfig(t, `<moor:limits ${MOOR_NS} headTimeoutMs="600"/>`);
  const gw = await startMoor(dir, HTTPS_FLAGS);
  t.teardown(() => gw.kill());
  const https = await httpsUrlOf(gw);
  const started = performance.now();
  const silent = Array.from({ length: 10 }, () => openRaw(https));
  const trickling = Array.from({ length: 10 }, () => openRaw(https));
  // the start of a ClientHello record, one byte every 100 ms: never a whole one
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array<number>(64).fill(7)]);
  let sent = 0;
  const timer = setInterval(() => {
    for (const c of trickling) if (!c.isClosed()) c.socket.write(hello.subarray(sent, sent + 1));
    sent++;
  }, 100);
  t.teardown(() => clearInterval(timer));
  const closedAt = await Promise.all([...silent, ...trickling].map((c) => c.closed.then(() => performance.now() - started)));
  clearInterval(timer);
  const slowest = Math.max(...closedAt);
  t.true(slowest >= 500, `not before the bound (${Math.round(slowest)} ms)`);
  t.true(slowest < 3000, `closed within the bound, not Node's 120 s (${Math.round(slowest)} ms)`);
  t.true(sent >= 5, 'the trickle went on while the handshake was waited for');

  // a head that trickles in after the handshake: 408 and closed, as on the HTTP listener
  const { hostname, port } = new URL(https);
  const slowHead = tlsConnect({ host: hostname, port: Number(port), rejectUnauthorized: false });
  let answer = '';
  slowHead.setEncoding('latin1').on('data', (d: string) => (answer += d));
  slowHead.on('error', () => {});
  await new Promise((resolve) => slowHead.once('secureConnect', resolve));
  const headStarted = performance.now();
  slowHead.write('POST /services/Cart HTTP/1.1\r\nhost: x\r\n');
  const headTimer = setInterval(() => slowHead.writable && slowHead.write('x-slow: a\r\n'), 100);
  await new Promise((resolve) => slowHead.once('close', resolve));
  clearInterval(headTimer);
  t.regex(answer, /^HTTP\/1\.1 408 /);
  t.true(performance.now() - headStarted < 3000);

  // bytes that are not HTTP, after the handshake: the bare 400 of the HTTP listener
  const garbage = tlsConnect({ host: hostname, port: Number(port), rejectUnauthorized: false });
  let garbageAnswer = '';
  garbage.setEncoding('latin1').on('data', (d: string) => (garbageAnswer += d));
  garbage.on('error', () => {});
  await new Promise((resolve) => garbage.once('secureConnect', resolve));
  garbage.write('NOT HTTP AT ALL\r\n\r\n');
  await new Promise((resolve) => garbage.once('close', resolve));
  t.regex(garbageAnswer, /^HTTP\/1\.1 400 /);
  // (and on the HTTP listener beside it, still)
  const plainGarbage = openRaw(gw.url);
  plainGarbage.socket.write('NOT HTTP AT ALL\r\n\r\n');
  await plainGarbage.closed;
  t.regex(plainGarbage.text(), /^HTTP\/1\.1 400 /);

  // the listener still serves, over TLS 1.2 and 1.3, and refuses TLS 1.1
  t.truthy(await peerFingerprint(https, { maxVersion: 'TLSv1.2' }));
  t.truthy(await peerFingerprint(https, { minVersion: 'TLSv1.3' }));
  await t.throwsAsync(peerFingerprint(https, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), { message: /protocol|version/i });
  const agent = await trusting(t);
  t.is((await postVia(`${https}/services/Cart`, soap11(addItem('a')), agent)).status, 200);
});

test('with an HTTPS listener, transports="https" proxies are not served on HTTP and transports="http" ones not on HTTPS; without it every proxy is served on HTTP, with the warning', async (t) => {
  const backends = await startBackends(1);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const proxy = (name: string, transports?: string): string =>
    `<proxy name="${name}"${transports !== undefined ? ` transports="${transports}"` : ''}><target><inSequence><send><endpoint><address uri="${backends[0]!.url}"/></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`;
  const dir = await configDir({
    'p.xml': definitions(`${proxy('Secure', 'https')}${proxy('Plain', 'http')}${proxy('Both', 'http https')}${proxy('Default')}
      <sequence name="main"><log level="custom"><property name="m" value="main"/></log><drop/></sequence>`),
  });
  const gw = await startMoor(dir, HTTPS_FLAGS);
  t.teardown(() => gw.kill());
  const https = await httpsUrlOf(gw);
  const agent = await trusting(t);
  const body = soap11(addItem('x'));
  const status = async (base: string, name: string): Promise<number> => {
    const r = await postVia(`${base}/services/${name}`, body, base.startsWith('https:') ? agent : undefined);
    if (r.status === 404) t.regex(r.text, /MOOR_ERR_NO_SERVICE|no proxy service named/);
    return r.status;
  };
  t.deepEqual(
    { Secure: await status(gw.url, 'Secure'), Plain: await status(gw.url, 'Plain'), Both: await status(gw.url, 'Both'), Default: await status(gw.url, 'Default') },
    { Secure: 404, Plain: 200, Both: 200, Default: 200 },
    'on the HTTP listener',
  );
  t.deepEqual(
    { Secure: await status(https, 'Secure'), Plain: await status(https, 'Plain'), Both: await status(https, 'Both'), Default: await status(https, 'Default') },
    { Secure: 200, Plain: 404, Both: 200, Default: 200 },
    'on the HTTPS listener',
  );
  // not the main sequence either (WSO2 faults too), and ?wsdl is not answered there
  t.is((await request(`${gw.url}/services/Secure?wsdl`)).statusCode, 404);
  t.notRegex(gw.output(), /transports="https"/, 'no warning: the proxy is served as WSO2 serves it');
  t.is(await gw.stop('SIGTERM'), 0);

  const plainOnly = await startMoor(dir);
  t.teardown(() => plainOnly.kill());
  t.is(await status(plainOnly.url, 'Secure'), 200, 'without an HTTPS listener, served on HTTP as before');
  t.regex(plainOnly.output(), /MOOR_WARN_DIFFERENT transports="https": WSO2 serves this proxy on its HTTPS listener only; moor does so when started with --https-port/);
});

test('in process: one connection cap for both listeners; SIGTERM-style close lets an HTTPS request in flight finish', async (t) => {
  // a backend that answers after 400 ms, so that a request is surely in flight when the gateway closes
  let arrived = 0;
  const slow = createServer((req, res) => {
    arrived++;
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(soap11('<ok/>')), 400);
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => slow.close(() => resolve())));
  const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
  const dir = await cartConfig(t, `<moor:limits ${MOOR_NS} maxConnections="4" headTimeoutMs="60000"/>
    <proxy name="W"><target><endpoint><address uri="${slowUrl}"/></endpoint></target><publishWSDL uri="file:${path.join(TLS_FIXTURES, '..', '..', '..', 'wsdl', 'Cart.wsdl')}"/></proxy>
    <proxy name="Slow"><target><inSequence><send><endpoint><address uri="${slowUrl}"/></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`);
  const gw = await startGateway(dir, { https: { port: 0, certFile: CERT1, keyFile: KEY1 } });
  let closed = false;
  t.teardown(() => (closed ? undefined : gw.close()));
  const https = gw.httpsUrl!;
  const plain = Array.from({ length: 3 }, () => openRaw(gw.url));
  await new Promise((r) => setTimeout(r, 200));
  const secure = Array.from({ length: 3 }, () => openRaw(https));
  await new Promise((r) => setTimeout(r, 500));
  const open = [...plain, ...secure].filter((c) => !c.isClosed()).length;
  t.is(open, 4, 'four connections in all, over both listeners');
  t.true(secure.filter((c) => c.isClosed()).length === 2, 'the HTTPS connections past the shared cap were closed');
  for (const c of [...plain, ...secure]) c.socket.destroy();
  await new Promise((r) => setTimeout(r, 200));
  // closed connections leave the count, handshaken or failed ones alike: twice the cap, one after another
  for (let i = 0; i < 8; i++) {
    t.truthy(await peerFingerprint(https));
    await t.throwsAsync(peerFingerprint(https, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }));
  }

  const agent = await trusting(t);
  // a WSDL fetched over HTTPS publishes https:// addresses
  const wsdl = await (await request(`${https}/services/W?wsdl`, { dispatcher: agent })).body.text();
  t.regex(wsdl, new RegExp(`location="${https}/services/W"`));
  const inFlight = postVia(`${https}/services/Slow`, soap11('<slow/>'), agent, { 'content-type': 'text/xml' });
  while (arrived === 0) await new Promise((r) => setTimeout(r, 5));
  // a connection in the middle of its handshake (headTimeoutMs is 60 s here) does not hold the close up
  const handshaking = openRaw(https);
  await new Promise((r) => setTimeout(r, 100));
  const closeStarted = performance.now();
  const closing = gw.close();
  closed = true;
  t.is((await inFlight).status, 200, 'the request in flight was answered');
  await closing;
  await handshaking.closed;
  t.true(performance.now() - closeStarted < 5000, `closed in ${Math.round(performance.now() - closeStarted)} ms`);
  await t.throwsAsync(postVia(`${https}/services/Cart`, soap11(addItem('b')), agent), { message: /ECONNREFUSED|connect/ });
});

test('--https-port, --tls-cert and --tls-key: all three or a usage error; an unreadable, non-PEM or mismatched file is one line naming it', async (t) => {
  const dir = await cartConfig(t);
  const start = (extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => runMoor(['start', '--config', dir, '--port', '0', ...extra]);
  const usage = await start(['--https-port', '8443']);
  t.is(usage.code, 2);
  t.is(usage.stderr.split('\n')[0], 'moor: --https-port, --tls-cert and --tls-key go together: --tls-cert and --tls-key are missing');
  t.notRegex(usage.stderr, /\n\s+at /, 'no stack');
  const noPort = await start(['--tls-cert', CERT1, '--tls-key', KEY1]);
  t.is(noPort.code, 2);
  t.is(noPort.stderr.split('\n')[0], 'moor: --https-port, --tls-cert and --tls-key go together: --https-port is missing');
  t.is((await start(['--https-port', '70000', '--tls-cert', CERT1, '--tls-key', KEY1])).code, 2);

  const cases: [string[], string][] = [
    [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', KEY1], 'moor: --tls-cert /nonexistent/cert.pem: cannot read it (ENOENT)\n'],
    [['--tls-cert', CERT1, '--tls-key', '/nonexistent/key.pem'], 'moor: --tls-key /nonexistent/key.pem: cannot read it (ENOENT)\n'],
    [['--tls-cert', KEY1, '--tls-key', KEY1], `moor: --tls-cert ${KEY1}: not a PEM certificate (`],
    [['--tls-cert', CERT1, '--tls-key', CERT1], `moor: --tls-key ${CERT1}: not a PEM private key without a passphrase (`],
    [['--tls-cert', CERT1, '--tls-key', KEY2], `moor: --tls-key ${KEY2} is not the private key of the certificate in --tls-cert ${CERT1}\n`],
  ];
  for (const [i, [files, line]] of cases.entries()) {
    // (the primary of --workers checks the files before it forks: once is enough to see that)
    for (const workers of i === cases.length - 1 ? [[], ['--workers', '2']] : [[]]) {
      const r = await start(['--https-port', '0', ...files, ...workers]);
      t.is(r.code, 1, `${files.join(' ')} ${workers.join(' ')}: ${r.stderr}`);
      t.true(r.stderr.startsWith(line), r.stderr);
      t.is(r.stderr.split('\n').filter((l) => l !== '').length, 1, `one line: ${r.stderr}`);
      t.notRegex(r.stdout, /moor listening/);
    }
  }

  // the HTTPS port taken: a listen error naming it
  const gw = await startMoor(dir, HTTPS_FLAGS);
  t.teardown(() => gw.kill());
  const taken = new URL(await httpsUrlOf(gw)).port;
  const r = await start(['--https-port', taken, '--tls-cert', CERT1, '--tls-key', KEY1]);
  t.is(r.code, 1);
  t.is(r.stderr, `moor: cannot listen on 127.0.0.1:${taken}: address in use (EADDRINUSE)\n`);
});
