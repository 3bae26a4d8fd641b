/**
 * Operating a running gateway end to end: real `moor start --admin` processes (one, `--workers 2`, and
 * two nodes sharing a real redis-server), real backends, and the real `moor` command against them.
 * Metrics without the token and with no session id; the admin API behind it; the CLI's tables, JSON and
 * one-line errors; a forgotten session bound anew; a reload's problems at file:line:col.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { request } from 'undici';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { type EndpointsView, type SessionsView } from '../../src/ops/views.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, soap11 } from '../helpers/gateway.ts';
import { type GatewayProcess, runMoor, startMoor } from '../helpers/processes.ts';
import { freePort, startRedis } from '../helpers/redis.ts';
import { parseSamples, sampleValue } from '../metrics/prometheus-text.ts';

const TOKEN = 'ops-e2e-token-8d2a';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

async function cartConfig(t: ExecutionContext, withDeadMember = false): Promise<{ dir: string; backends: CartBackend[]; dead: string | undefined }> {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const dead = withDeadMember ? `http://127.0.0.1:${await freePort()}/services/Cart` : undefined;
  const members = [...backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`), ...(dead ? [`<endpoint name="gone"><address uri="${dead}"><suspendOnFailure><initialDuration>600000</initialDuration></suspendOnFailure></address></endpoint>`] : [])];
  const dir = await configDir({
    'cart.xml': definitions(`
      <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${members.join('')}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  return { dir, backends, dead };
}

/** One request on a connection of its own (`reset`), so that successive ones reach every worker. */
async function http(url: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string; type: string }> {
  const res = await request(url, { method, headers, body: body ?? null, reset: true });
  return { status: res.statusCode, text: await res.body.text(), type: String(res.headers['content-type']) };
}

const order = (gw: GatewayProcess, session: string) => http(`${gw.url}/services/Cart`, 'POST', ACTION, soap11(addItem('x'), clientId(session)));
const scrape = async (admin: string) => parseSamples((await http(`${admin}/metrics`)).text);
const endpoints = async (admin: string) => JSON.parse((await http(`${admin}/endpoints`, 'GET', AUTH)).text) as EndpointsView;
const moor = (args: string[], env: NodeJS.ProcessEnv = { MOOR_ADMIN_TOKEN: TOKEN }) => runMoor(args, env);

async function start(t: ExecutionContext, dir: string, extra: string[] = []): Promise<{ gw: GatewayProcess; admin: string }> {
  const gw = await startMoor(dir, ['--admin', '127.0.0.1:0', ...extra], { MOOR_ADMIN_TOKEN: TOKEN });
  t.teardown(() => gw.kill());
  return { gw, admin: gw.adminUrl! };
}

test.serial('one process: /metrics open and free of session ids, the admin API behind the token, the CLI in tables and JSON', async (t) => {
  const { dir, backends, dead } = await cartConfig(t, true);
  const { gw, admin } = await start(t, dir);
  for (let i = 1; i <= 6; i++) t.is((await order(gw, `customer-secret-${i}`)).status, 200);
  t.is((await http(`${gw.url}/services/Cart`, 'POST', { 'content-type': 'text/plain' }, 'no')).status, 415);

  const m = await http(`${admin}/metrics`);
  t.is(m.status, 200, 'readable without the token');
  t.is(m.type, 'text/plain; version=0.0.4; charset=utf-8');
  const s = parseSamples(m.text);
  t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Cart', status: '200' }), 6);
  t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Cart', status: '415' }), 1);
  t.is(sampleValue(s, 'moor_sessions_active', { group: 'Carts' }), 6);
  t.is(sampleValue(s, 'moor_sessions_created_total', { group: 'Carts' }), 6);
  t.is(sampleValue(s, 'moor_endpoint_state', { endpoint: `gone@${dead}`, state: 'suspended' }), 1);
  t.is(sampleValue(s, 'moor_backend_requests_total', { endpoint: `gone@${dead}`, outcome: 'unreachable' }), 1);
  t.is(sampleValue(s, 'moor_store_up'), 1);
  t.true(sampleValue(s, 'process_resident_memory_bytes')! > 0);
  t.false(m.text.includes('customer-secret'), 'no session id in the exposition');

  const refused = await http(`${admin}/endpoints`);
  t.is(refused.status, 401);
  t.regex(JSON.parse(refused.text).error, /token/);

  // moor endpoints: a table for people
  const table = await moor(['endpoints', '--admin', admin]);
  t.is(table.code, 0, table.stderr);
  const rows = table.stdout.split('\n');
  t.regex(rows[0]!, /^ENDPOINT +STATE +SESSIONS +IN FLIGHT +BACK IN +REASON$/);
  const gone = rows.find((r) => r.startsWith('gone@'))!;
  t.regex(gone, /suspended +0 +0 +\d+ min( \d+ s)? +101503 /, 'the suspension with its time left and its code');
  const onCart = (name: string) => Number(new RegExp(`^${name}@\\S+ +active +(\\d+)`, 'm').exec(table.stdout)?.[1]);
  t.is(onCart('cart1') + onCart('cart2'), 6);
  t.regex(table.stdout, /^Carts +loadbalance +table +6 /m);
  // and JSON for scripts
  const json = await moor(['endpoints', '--admin', admin, '--json']);
  const view = JSON.parse(json.stdout) as EndpointsView;
  t.is(view.endpoints.length, 3);
  t.is(view.groups[0]!.sessions, 6);

  // moor sessions: every binding, with a bound
  const sessions = await moor(['sessions', '--group', 'Carts', '--admin', admin]);
  t.is(sessions.code, 0, sessions.stderr);
  t.is(sessions.stdout.trim().split('\n').length, 7, 'a header and six bindings');
  t.regex(sessions.stdout, /^Carts +customer-secret-3 +cart[12]@/m);
  const two = JSON.parse((await moor(['sessions', '--limit', '2', '--json', '--admin', admin])).stdout) as SessionsView;
  t.is(two.sessions.length, 2);
  t.true(two.truncated);
  const unknown = await moor(['sessions', '--group', 'Nope', '--admin', admin]);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'moor: no group named Nope binds sessions (groups that do: Carts)\n');

  // drain and undrain: the member keeps its sessions and takes no new ones
  const drained = await moor(['drain', 'cart1', '--admin', admin]);
  t.is(drained.code, 0, drained.stderr);
  t.is(drained.stdout, `cart1@${backends[0]!.url}: draining (keeps its sessions, takes no new ones)\n`);
  t.true((await endpoints(admin)).endpoints.find((e) => e.id.startsWith('cart1@'))!.draining);
  for (let i = 0; i < 4; i++) t.regex((await order(gw, `new-${i}`)).text, />cart2</, 'new sessions avoid the drained member');
  t.is((await moor(['undrain', 'cart1', '--admin', admin])).code, 0);
  t.false((await endpoints(admin)).endpoints.find((e) => e.id.startsWith('cart1@'))!.draining);
  t.is((await moor(['drain', 'nobody', '--admin', admin])).stderr, 'moor: no endpoint named nobody\n');

  // forgetting a session: its next message is bound anew
  const created = async () => sampleValue(await scrape(admin), 'moor_sessions_created_total', { group: 'Carts' });
  const before = await created();
  const forgot = await http(`${admin}/sessions/Carts/customer-secret-2`, 'DELETE', AUTH);
  t.is(forgot.status, 200);
  t.deepEqual(JSON.parse(forgot.text), { group: 'Carts', session: 'customer-secret-2', forgotten: true });
  t.is((await http(`${admin}/sessions/Carts/customer-secret-2`, 'DELETE', AUTH)).status, 404);
  t.is((await order(gw, 'customer-secret-2')).status, 200);
  t.is(await created(), before! + 1);

  // reload: fine, then a broken file (its problem at file:line:col, the running configuration serves on)
  const ok = await moor(['reload', '--admin', admin]);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'configuration reloaded\n');
  const broken = path.join(dir, 'broken.xml');
  await writeFile(broken, definitions('\n  <proxy name="X"><target><inSequence><nonsense/></inSequence></target></proxy>'));
  const bad = await moor(['reload', '--admin', admin]);
  t.is(bad.code, 1);
  const lines = bad.stderr.trim().split('\n');
  t.is(lines[0], 'moor: the configuration has errors; the running one keeps serving');
  t.regex(lines[1]!, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:39 MOOR_ERR_UNKNOWN_MEDIATOR `));
  const answer = await http(`${admin}/reload`, 'POST', AUTH);
  t.is(answer.status, 422);
  t.like(JSON.parse(answer.text), { reloaded: false, errors: [{ file: broken, line: 2, col: 39, code: 'MOOR_ERR_UNKNOWN_MEDIATOR' }] });
  t.is((await order(gw, 'customer-secret-1')).status, 200);
});

test.serial('the CLI says in one line when no gateway is there, or when it wants the token', async (t) => {
  const nobody = `http://127.0.0.1:${await freePort()}`;
  for (const command of [['endpoints'], ['drain', 'x']]) {
    const r = await moor([...command, '--admin', nobody]);
    t.is(r.code, 1, command[0]);
    t.is(r.stderr, `moor: no gateway answers at ${nobody} (connection refused): is moor started with --admin, and is --admin the address it listens on?\n`);
    t.is(r.stdout, '');
  }
  const { dir } = await cartConfig(t);
  const { admin, gw } = await start(t, dir);
  const none = await moor(['endpoints', '--admin', admin], {});
  t.is(none.code, 1);
  t.is(none.stderr, `moor: the gateway at ${admin} wants the admin token: set MOOR_ADMIN_TOKEN\n`);
  const wrong = await moor(['endpoints', '--admin', admin], { MOOR_ADMIN_TOKEN: 'wrong' });
  t.regex(wrong.stderr, /^moor: the gateway at \S+ refused the token in MOOR_ADMIN_TOKEN/);
  const traffic = await moor(['endpoints', '--admin', gw.url]);
  t.is(traffic.code, 1);
  t.regex(traffic.stderr, /^moor: /, 'the traffic port is not the admin listener');
  t.is(traffic.stderr.split('\n').length, 2);
  t.is((await moor(['drain', '--admin', admin])).code, 2, 'a missing name is a usage error');
});

test.serial('--workers 2: whichever worker answers, /metrics and /endpoints are the whole gateway', async (t) => {
  const { dir } = await cartConfig(t);
  const { gw, admin } = await start(t, dir, ['--workers', '2']);
  for (let i = 0; i < 20; i++) t.is((await order(gw, `w-${i % 5}`)).status, 200);
  for (let i = 0; i < 6; i++) {
    const s = await scrape(admin);
    t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Cart', status: '200' }), 20, 'every request, whichever worker took it');
    t.is(sampleValue(s, 'moor_sessions_created_total', { group: 'Carts' }), 5);
    t.is(sampleValue(s, 'moor_sessions_active', { group: 'Carts' }), 5, 'the shared table counted once');
    t.is(sampleValue(s, 'moor_request_duration_seconds_count', { proxy: 'Cart' }), 20);
    t.true(sampleValue(s, 'process_cpu_seconds_total')! > 0);
    const v = await endpoints(admin);
    t.is(v.workers, 2);
    t.is(v.groups[0]!.sessions, 5);
  }
  // drain through one worker: every worker's view says so
  t.is((await moor(['drain', 'cart1', '--admin', admin])).code, 0);
  for (let i = 0; i < 4; i++) {
    const cart1 = (await endpoints(admin)).endpoints.find((e) => e.id.startsWith('cart1@'))!;
    t.true(cart1.draining);
    t.is(sampleValue(await scrape(admin), 'moor_endpoint_state', { endpoint: cart1.id, state: 'draining' }), 1);
  }
  const listed = await moor(['sessions', '--admin', admin, '--json']);
  t.is((JSON.parse(listed.stdout) as SessionsView).sessions.length, 5);
  t.is((await http(`${admin}/sessions/Carts/w-1`, 'DELETE', AUTH)).status, 200);
  t.is((await http(`${admin}/sessions/Carts/w-1`, 'DELETE', AUTH)).status, 404, 'gone for every worker (the table is shared)');
  await writeFile(path.join(dir, 'broken.xml'), definitions('<proxy name="X"><target><inSequence><nonsense/></inSequence></target></proxy>'));
  const bad = await moor(['reload', '--admin', admin, '--json']);
  t.is(bad.code, 1);
  t.like(JSON.parse(bad.stdout), { reloaded: false, errors: [{ line: 1, code: 'MOOR_ERR_UNKNOWN_MEDIATOR' }] });
});

test.serial('two nodes on one Redis: a session bound through one is listed and forgotten through the other', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const { dir } = await cartConfig(t);
  const a = await start(t, dir, ['--store', redis.url]);
  const b = await start(t, dir, ['--store', redis.url, '--workers', '2']);
  for (const s of ['r1', 'r2', 'r3']) t.is((await order(a.gw, s)).status, 200);
  const onB = JSON.parse((await moor(['sessions', '--group', 'Carts', '--admin', b.admin, '--json'])).stdout) as SessionsView;
  t.deepEqual(onB.sessions.map((x) => x.session).sort(), ['r1', 'r2', 'r3'], 'listed from Redis with SCAN');
  t.is(sampleValue(await scrape(b.admin), 'moor_sessions_active', { group: 'Carts' }), 3, 'node b counts what node a bound');
  t.is(sampleValue(await scrape(b.admin), 'moor_sessions_created_total', { group: 'Carts' }), undefined, 'created counts are per node');
  t.is((await http(`${b.admin}/sessions/Carts/r2`, 'DELETE', AUTH)).status, 200);
  const created = async () => sampleValue(await scrape(a.admin), 'moor_sessions_created_total', { group: 'Carts' });
  t.is(await created(), 3);
  t.is((await order(a.gw, 'r2')).status, 200);
  t.is(await created(), 4, 'node a binds the forgotten session anew');
  t.is((await order(a.gw, 'r1')).status, 200);
  t.is(await created(), 4);
  t.is((await endpoints(a.admin)).groups[0]!.sessions, 3);
});
