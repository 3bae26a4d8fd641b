/**
 * The admin operations against a real gateway with real backends, through its admin listener (in
 * process here; test/e2e/operations.test.ts runs moor start processes and the CLI): endpoints with state, reason, remaining time and live sessions; a bounded session listing;
 * forgetting a session binds its next message anew; a reload's errors at file:line:col.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { request } from 'undici';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import { LocalOperations } from '../../src/ops/local-operations.ts';
import { reloadOutcome } from '../../src/ops/reload.ts';
import { opsRoutes } from '../../src/ops/routes.ts';
import { type EndpointsView, type ReloadOutcome, type SessionsView } from '../../src/ops/views.ts';
import { startBackends } from '../helpers/backends.ts';
import { ADMIN, addItem, configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/redis.ts';
import { parseSamples, sampleValue } from '../metrics/prometheus-text.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

async function setup(t: import('ava').ExecutionContext) {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const dead = await freePort();
  const members = [...backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`), `<endpoint name="gone"><address uri="http://127.0.0.1:${dead}/services/Cart"/></endpoint>`].join('');
  const dir = await configDir({
    'cart.xml': definitions(`
      <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${members}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  const metrics = new GatewayMetrics({ processMetrics: false });
  let ops: LocalOperations | undefined;
  const gw = await startGateway(dir, { metrics, defaultSuspendMs: 60_000, ...ADMIN, adminRoutes: opsRoutes(() => ops) });
  t.teardown(() => gw.close());
  ops = new LocalOperations(gw, { metrics, reload: () => reloadOutcome(() => gw.reload()) });
  /** One call to the admin listener: its status, its content type and its body (JSON parsed). */
  const call = async <T>(method: 'GET' | 'POST' | 'DELETE', target: string): Promise<{ status: number; body: T; contentType?: string }> => {
    const res = await request(`${gw.adminUrl!}${target}`, { method });
    const type = String(res.headers['content-type']);
    const text = await res.body.text();
    return { status: res.statusCode, body: (type.startsWith('application/json') ? JSON.parse(text) : text) as T, ...(type.startsWith('text/plain') ? { contentType: type } : {}) };
  };
  const send = async (session: string): Promise<string> => {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem('x'), clientId(session)), ACTION);
    t.is(r.status, 200);
    return backends.find((b) => r.text.includes(`>${b.name}<`))!.name;
  };
  return { gw, dir, backends, dead, metrics, call, send };
}

test('GET /endpoints: state, suspension reason and remaining time, draining, live sessions, in flight', async (t) => {
  const { gw, backends, dead, call, send } = await setup(t);
  for (const s of ['s1', 's2', 's3', 's4', 's5', 's6']) await send(s);
  gw.setDraining('cart2', true);
  const { status, body } = await call<EndpointsView>('GET', '/endpoints');
  t.is(status, 200);
  const byName = (n: string) => body.endpoints.find((e) => e.id.startsWith(`${n}@`))!;
  t.is(byName('cart1').sessions + byName('cart2').sessions, 6, 'every session is bound to a live member');
  t.is(byName('gone').sessions, 0);
  t.is(byName('gone').state, 'suspended');
  t.is(byName('gone').id, `gone@http://127.0.0.1:${dead}/services/Cart`);
  t.regex(byName('gone').reason, /suspended for 60000 ms/);
  t.is(byName('gone').code, 101503);
  t.true(byName('gone').remainingMs! > 50_000 && byName('gone').remainingMs! <= 60_000);
  t.truthy(byName('gone').until);
  t.true(byName('cart2').draining);
  t.is(byName('cart1').state, 'active');
  t.is(byName('cart1').remainingMs, undefined);
  t.is(byName('cart1').inFlight, 0);
  t.deepEqual(body.groups, [{ id: 'Carts', kind: 'loadbalance', session: 'table', draining: false, members: [`cart1@${backends[0]!.url}`, `cart2@${backends[1]!.url}`, byName('gone').id], sessions: 6 }]);
  t.false(body.sessionsTruncated);
});

test('GET /sessions: bounded, filtered by group and endpoint; bad limits and unknown groups are errors', async (t) => {
  const { backends, call, send } = await setup(t);
  const owners = new Map<string, string>();
  for (const s of ['a', 'b', 'c', 'd', 'e']) owners.set(s, await send(s));
  const all = await call<SessionsView>('GET', '/sessions?group=Carts');
  t.is(all.status, 200);
  t.deepEqual(all.body.sessions.map((s) => s.session).sort(), ['a', 'b', 'c', 'd', 'e']);
  for (const s of all.body.sessions) {
    t.is(s.group, 'Carts');
    t.is(s.endpoint, `${owners.get(s.session)}@${backends.find((b) => b.name === owners.get(s.session))!.url}`);
    t.true(Date.parse(s.expires) > Date.now());
  }
  t.false(all.body.truncated);
  const two = await call<SessionsView>('GET', '/sessions?limit=2');
  t.is(two.body.sessions.length, 2);
  t.true(two.body.truncated, 'more match than the limit returned');
  const cart1 = `cart1@${backends[0]!.url}`;
  const on1 = await call<SessionsView>('GET', `/sessions?endpoint=${encodeURIComponent(cart1)}`);
  t.deepEqual(on1.body.sessions.map((s) => s.session).sort(), [...owners].filter(([, o]) => o === 'cart1').map(([s]) => s).sort());
  t.deepEqual(await call('GET', '/sessions?limit=0'), { status: 400, body: { error: 'limit takes a whole number from 1 to 10000, not "0"' } });
  t.is((await call('GET', '/sessions?limit=10001')).status, 400);
  t.is((await call('GET', '/sessions?limit=ten')).status, 400);
  t.deepEqual(await call('GET', '/sessions?group=Nope'), { status: 404, body: { error: 'no group named Nope binds sessions (groups that do: Carts)' } });
});

test('DELETE /sessions/<group>/<id>: the binding is gone and the next message is bound anew', async (t) => {
  const { call, send, metrics } = await setup(t);
  await send('cust/42');
  await send('other');
  const created = async () => sampleValue(parseSamples(await metrics.registry.metrics()), 'moor_sessions_created_total', { group: 'Carts' });
  t.is(await created(), 2);
  const gone = await call('DELETE', `/sessions/Carts/${encodeURIComponent('cust/42')}`);
  t.deepEqual(gone, { status: 200, body: { group: 'Carts', session: 'cust/42', forgotten: true } });
  t.deepEqual((await call<SessionsView>('GET', '/sessions')).body.sessions.map((s) => s.session), ['other']);
  t.deepEqual(await call('DELETE', '/sessions/Carts/cust%2F42'), { status: 404, body: { error: 'group Carts holds no session cust/42' } });
  t.is((await call('DELETE', '/sessions/Nope/x')).status, 404);
  await send('cust/42');
  t.is(await created(), 3, 'the next message of the forgotten session created a binding');
  await send('other');
  t.is(await created(), 3, 'the other session kept its binding');
});

test('POST /reload: loads the new configuration, or answers 422 with each problem at file:line:col', async (t) => {
  const { dir, call } = await setup(t);
  const ok = await call<ReloadOutcome>('POST', '/reload');
  t.deepEqual(ok, { status: 200, body: { reloaded: true, warnings: [] } });
  const file = path.join(dir, 'broken.xml');
  await writeFile(file, definitions('\n  <proxy name="X"><target><inSequence><nonsense/></inSequence></target></proxy>'));
  const bad = await call<ReloadOutcome>('POST', '/reload');
  t.is(bad.status, 422);
  t.false(bad.body.reloaded);
  if (bad.body.reloaded) return;
  t.regex(bad.body.error, /the running one keeps serving/);
  t.deepEqual(
    bad.body.errors.map((e) => [e.file, e.line, e.col, e.code]),
    [[file, 2, 39, 'MOOR_ERR_UNKNOWN_MEDIATOR']],
  );
});

test('GET /metrics is Prometheus text; GET /traffic counts requests per interval', async (t) => {
  const { call, send } = await setup(t);
  const routes = await call<string>('GET', '/metrics');
  t.is(routes.status, 200);
  t.is(routes.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  await send('m1');
  await send('m2');
  const text = (await call<string>('GET', '/metrics')).body;
  t.is(sampleValue(parseSamples(text), 'moor_requests_total', { proxy: 'Cart', status: '200' }), 2);
  const traffic = await call<{ total: number; perInterval: number[]; intervalMs: number }>('GET', '/traffic');
  t.is(traffic.body.total, 2);
  t.is(traffic.body.intervalMs, 10_000);
});
