/**
 * The admin surface lives on its own listener (`moor start --admin HOST:PORT`): health with endpoint
 * details and drain/undrain there, behind the admin token when one is set; the traffic port keeps only a
 * health answer that names no backend, and no path trick reaches anything else.
 */
import { connect } from 'node:net';
import test from 'ava';
import { request } from 'undici';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { ADMIN, configDir, definitions, startGateway } from '../helpers/gateway.ts';
import { runMoor, startMoor } from '../helpers/processes.ts';
import { openRaw, type RawClient } from '../helpers/raw-client.ts';
import { type CartBackend } from '../../demo/cart-backend.ts';

const TOKEN = 'admin-test-token-5f1c';
const group = (members: string): string =>
  definitions(`<endpoint name="Carts"><loadbalance>${members}</loadbalance></endpoint>
    <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`);

async function backends(t: import('ava').ExecutionContext, n = 2): Promise<CartBackend[]> {
  const list = await startBackends(n);
  t.teardown(() => Promise.all(list.map((b) => b.close())).then(() => undefined));
  return list;
}

/** An HTTP exchange with the answer's status and text. */
async function call(url: string, method: 'GET' | 'POST', headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await request(url, { method, headers });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Sends a raw request line, so that the path reaches the gateway exactly as written (clients normalise it). */
async function raw(url: string, method: string, target: string, headers = ''): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(`${method} ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n${headers}\r\n`);
  let text = '';
  socket.setEncoding('utf8').on('data', (s: string) => (text += s));
  await new Promise((resolve) => socket.on('close', resolve));
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]), text: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

const state = async (adminUrl: string, name: string): Promise<string | undefined> =>
  ((JSON.parse((await call(`${adminUrl}/health`, 'GET')).text) as { endpoints: { id: string; state: string }[] }).endpoints.find((e) => e.id.startsWith(`${name}@`)))?.state;

test('moor start --admin with MOOR_ADMIN_TOKEN: health is open, drain needs the bearer token, the traffic port has neither', async (t) => {
  const carts = await backends(t);
  const gw = await startMoor(await configDir({ 'cart.xml': group(memberEndpoints(carts)) }), ['--admin', '127.0.0.1:0'], { MOOR_ADMIN_TOKEN: TOKEN });
  t.teardown(() => gw.kill());
  const admin = gw.adminUrl!;
  t.regex(admin, /^http:\/\/127\.0\.0\.1:\d+$/, 'the admin URL is printed beside the listening line');
  t.not(admin, gw.url);

  // health on the admin listener: every endpoint with its address, no token needed
  const health = await call(`${admin}/health`, 'GET');
  t.is(health.status, 200);
  t.true(health.text.includes(carts[0]!.url), 'the admin health names the backends');

  // drain: no token, a wrong one, a token that is a prefix of the right one: 401 and nothing changes
  t.is((await call(`${admin}/endpoints/cart1/drain`, 'POST')).status, 401);
  t.is((await call(`${admin}/endpoints/cart1/drain`, 'POST', { authorization: 'Bearer wrong' })).status, 401);
  t.is((await call(`${admin}/endpoints/cart1/drain`, 'POST', { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status, 401);
  t.is((await call(`${admin}/endpoints/cart1/drain`, 'POST', { authorization: TOKEN })).status, 401, 'the Bearer scheme is required');
  t.is((await raw(admin, 'POST', '/health/../endpoints/cart1/drain')).status, 401, 'a dot-segment path is normalised, then needs the token like any route');
  t.is((await raw(admin, 'GET', '/nosuch')).status, 401, 'unknown paths say nothing without the token');
  t.is(await state(admin, 'cart1'), 'active');
  const drained = await call(`${admin}/endpoints/cart1/drain`, 'POST', { authorization: `Bearer ${TOKEN}` });
  t.is(drained.status, 200);
  t.like(JSON.parse(drained.text), { draining: true });
  t.is(await state(admin, 'cart1'), 'draining');
  t.is((await raw(admin, 'POST', '/x/%2e%2e/endpoints/cart1/undrain', `authorization: Bearer ${TOKEN}\r\n`)).status, 200, 'with the token the normalised path is served');
  t.is(await state(admin, 'cart1'), 'active');
  t.is((await call(`${admin}/endpoints/cart1/drain`, 'GET', { authorization: `Bearer ${TOKEN}` })).status, 405);
  t.is((await call(`${admin}/nosuch`, 'GET', { authorization: `Bearer ${TOKEN}` })).status, 404);

  // the traffic port: a health answer without any endpoint or address, and no admin routes at all
  const pub = await call(`${gw.url}/_moor/health`, 'GET');
  t.is(pub.status, 200);
  t.deepEqual(JSON.parse(pub.text), { status: 'ok', store: 'ok' });
  for (const target of ['/services/../_moor/health', '/services/Cart/%2e%2e/%2e%2e/_moor/health']) {
    const r = await raw(gw.url, 'GET', target);
    t.is(r.status, 200, target);
    t.deepEqual(JSON.parse(r.text), { status: 'ok', store: 'ok' }, `${target} is the public health, nothing more`);
  }
  for (const target of ['/_moor/endpoints/cart1/drain', '/services/../_moor/endpoints/cart1/drain', '/services/%2e%2e/_moor/endpoints/cart1/drain']) {
    const r = await raw(gw.url, 'POST', target, `authorization: Bearer ${TOKEN}\r\n`);
    t.is(r.status, 404, target);
    t.false(r.text.includes('127.0.0.1'), 'the refusal names no address');
  }
  t.is(await state(admin, 'cart1'), 'active', 'nothing on the traffic port drained the endpoint');
});

test('a non-loopback --admin without a token: moor does not start, one line; with <moor:admin token> it starts', async (t) => {
  const carts = await backends(t, 1);
  const dir = await configDir({ 'cart.xml': group(memberEndpoints(carts)) });
  for (const extra of [[], ['--workers', '2']]) {
    const r = await runMoor(['start', '--config', dir, '--port', '0', '--admin', '0.0.0.0:0', ...extra], { MOOR_ADMIN_TOKEN: '' });
    t.is(r.code, 1, extra.join(' '));
    t.regex(r.stderr, /^moor: --admin 0\.0\.0\.0:0 is reachable from other machines and no admin token is set: set MOOR_ADMIN_TOKEN or <moor:admin token="…"\/>, or listen on 127\.0\.0\.1\n$/);
    t.false(r.stdout.includes('moor listening'), 'the traffic port was not opened either');
  }
  // the admin port taken: the one line names the admin port
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const taken = (busy.address() as { port: number }).port;
  const inUse = await runMoor(['start', '--config', dir, '--port', '0', '--admin', `127.0.0.1:${taken}`]);
  t.is(inUse.code, 1);
  t.regex(inUse.stderr, new RegExp(`^moor: cannot listen on 127\\.0\\.0\\.1:${taken}: address in use \\(EADDRINUSE\\)\\n$`));
  const bad = await runMoor(['start', '--config', dir, '--admin', 'nowhere']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^moor: --admin takes HOST:PORT \(e\.g\. 127\.0\.0\.1:9164\), not "nowhere"\n/);

  const withToken = await configDir({
    'cart.xml': group(memberEndpoints(carts)),
    'admin.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:admin token="${TOKEN}"/></definitions>`,
  });
  const gw = await startMoor(withToken, ['--admin', '0.0.0.0:0'], { MOOR_ADMIN_TOKEN: '' });
  t.teardown(() => gw.kill());
  const port = new URL(gw.adminUrl!).port;
  t.is((await call(`http://127.0.0.1:${port}/endpoints/cart1/drain`, 'POST')).status, 401);
  t.is((await call(`http://127.0.0.1:${port}/endpoints/cart1/drain`, 'POST', { authorization: `Bearer ${TOKEN}` })).status, 200, 'the configuration token is the one in force');
});

test('no --admin: no admin listener; the gateway as a library takes admin.token, and a drain made there outlives a reload', async (t) => {
  const carts = await backends(t);
  const plain = await startGateway({ 'cart.xml': group(memberEndpoints(carts)) });
  t.teardown(() => plain.close());
  t.is(plain.adminUrl, undefined);

  const gw = await startGateway({ 'cart.xml': group(memberEndpoints(carts)) }, { admin: { ...ADMIN.admin!, token: TOKEN } });
  t.teardown(() => gw.close());
  const auth = { authorization: `Bearer ${TOKEN}` };
  t.is((await call(`${gw.adminUrl!}/endpoints/cart2/drain`, 'POST')).status, 401);
  t.is((await call(`${gw.adminUrl!}/endpoints/cart2/drain`, 'POST', auth)).status, 200);
  await gw.reload();
  t.is(await state(gw.adminUrl!, 'cart2'), 'draining', 'an operator who drained a member for maintenance keeps it drained across a configuration reload');
  t.is((await call(`${gw.adminUrl!}/endpoints/cart2/undrain`, 'POST', auth)).status, 200);
  await gw.reload();
  t.is(await state(gw.adminUrl!, 'cart2'), 'active');
});

test('<moor:admin> sets the admin listener\'s own limits: a slow head is cut at headTimeoutMs, connections past maxConnections are closed, bad values are errors at file:line:col', async (t) => {
  const carts = await backends(t, 1);
  const MOOR = 'xmlns:moor="urn:moor:config"';
  const config = `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR}><moor:admin headTimeoutMs="300" maxConnections="2"/>
    <endpoint name="Carts"><loadbalance>${memberEndpoints(carts)}</loadbalance></endpoint>
    <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy></definitions>`;
  const gw = await startGateway({ 'cart.xml': config }, ADMIN);
  t.teardown(() => gw.close());
  const admin = gw.adminUrl!;

  // a head sent a line at a time and never finished: Node's bare 408 once headTimeoutMs passes
  const slow = openRaw(admin);
  slow.socket.write('GET /health HTTP/1.1\r\nhost: x\r\n');
  const drip = setInterval(() => slow.isClosed() || slow.socket.write('x-drip: 1\r\n'), 100);
  t.teardown(() => clearInterval(drip));
  await slow.closed;
  t.regex(slow.text(), /^HTTP\/1\.1 408 /, 'the slow head was answered 408 and closed');

  // two connections held open, each idle after one answered keep-alive request (so both are known to be
  // accepted, and neither has a head pending that headTimeoutMs would cut): a third is closed as it is
  // accepted, and answers nothing
  const held = [openRaw(admin), openRaw(admin)];
  for (const h of held) h.socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
  await Promise.all(held.map((h) => answered(h, 1)));
  const third = openRaw(admin);
  third.socket.write('GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await third.closed;
  t.is(third.text(), '', 'the connection past maxConnections got no answer');
  for (const h of held) h.socket.write('GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await Promise.all(held.map((h) => h.closed));
  for (const h of held) t.is(h.text().match(/HTTP\/1\.1 200 /g)?.length, 2, 'the connections within the cap were answered, twice each');
  t.is((await call(`${admin}/health`, 'GET')).status, 200, 'the listener answers once connections are free');

  const bad = await configDir({ 'a.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR}>\n  <moor:admin maxConnections="0" headTimeoutMs="soon"/>\n</definitions>` });
  const r = await runMoor(['validate', '--config', bad]);
  t.is(r.code, 1);
  t.regex(r.stdout + r.stderr, /a\.xml:2:3 MOOR_ERR_BAD_VALUE <moor:admin maxConnections> must be above 0/);
  t.regex(r.stdout + r.stderr, /a\.xml:2:3 MOOR_ERR_BAD_VALUE .*headTimeoutMs/);
});

/** Resolves once `count` whole answers to GET /health (a JSON body ending in "}") have arrived on the connection. */
function answered(client: RawClient, count: number): Promise<void> {
  const done = () => (client.text().match(/HTTP\/1\.1 200 [^]*?\r\n\r\n\{[^]*?}]}/g)?.length ?? 0) >= count;
  return new Promise((resolve, reject) => {
    if (done()) return resolve();
    const check = () => {
      if (done()) client.socket.off('data', check), resolve();
    };
    client.socket.on('data', check);
    client.socket.once('close', () => (done() ? resolve() : reject(new Error(`closed before ${count} answers: ${client.text()}`))));
  });
}
