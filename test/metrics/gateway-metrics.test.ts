/**
 * The gateway's metrics as a scrape shows them, after real traffic through a real gateway to real
 * backends: requests by proxy and status, backend exchanges by outcome (an unreachable member
 * included), sessions created and rebound by group, live sessions from the store, endpoint states and
 * the store's health. No session id appears anywhere in the text.
 */
import test from 'ava';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import { CounterFamily, HistogramFamily, OTHER } from '../../src/metrics/series.ts';
import { AggregatorRegistry, Registry } from 'prom-client';
import { AccessLog } from '../../src/server/access-log.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/redis.ts';
import { parseSamples, sampleValue } from './prometheus-text.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

test('a scrape after traffic shows requests, backend outcomes, sessions, states and the store', async (t) => {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const dead = await freePort();
  const members = [
    `<endpoint name="cart1"><address uri="${backends[0]!.url}"/></endpoint>`,
    `<endpoint name="gone"><address uri="http://127.0.0.1:${dead}/services/Cart"/></endpoint>`,
  ].join('');
  const metrics = new GatewayMetrics();
  const gw = await startGateway(
    {
      'cart.xml': definitions(`
        <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">${members}</loadbalance></endpoint>
        <endpoint name="Solo"><address uri="${backends[1]!.url}"/></endpoint>
        <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>
        <proxy name="Plain"><target><inSequence><send><endpoint key="Solo"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
    },
    { metrics, defaultSuspendMs: 60_000 },
  );
  t.teardown(() => gw.close());

  // four sessions: round robin offers `gone` to some first, which fails over to cart1
  for (const id of ['secret-session-a', 'secret-session-b', 'secret-session-c', 'secret-session-d']) {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem('x'), clientId(id)), ACTION);
    t.is(r.status, 200);
  }
  for (let i = 0; i < 3; i++) t.is((await post(`${gw.url}/services/Plain`, soap11(addItem('y')), ACTION)).status, 200);
  t.is((await post(`${gw.url}/services/Nope`, soap11(addItem('z')), ACTION)).status, 404);
  t.is((await post(`${gw.url}/services/Plain`, 'not soap', { 'content-type': 'text/plain' })).status, 415);

  const text = await metrics.registry.metrics();
  const s = parseSamples(text);
  t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Cart', status: '200' }), 4);
  t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Plain', status: '200' }), 3);
  t.is(sampleValue(s, 'moor_requests_total', { proxy: 'Plain', status: '415' }), 1, 'a refused request counts under its proxy');
  t.is(sampleValue(s, 'moor_requests_total', { proxy: '(none)', status: '404' }), 1, 'an unknown service is not a label of its own');
  t.is(sampleValue(s, 'moor_request_duration_seconds_count', { proxy: 'Cart' }), 4);
  t.is(sampleValue(s, 'moor_request_duration_seconds_bucket', { proxy: 'Cart', le: '+Inf' }), 4);
  t.true(sampleValue(s, 'moor_request_duration_seconds_sum', { proxy: 'Cart' })! > 0);

  const cart1 = `cart1@${backends[0]!.url}`;
  const gone = `gone@http://127.0.0.1:${dead}/services/Cart`;
  t.is(sampleValue(s, 'moor_backend_requests_total', { endpoint: cart1, outcome: 'ok' }), 4);
  t.is(sampleValue(s, 'moor_backend_requests_total', { endpoint: gone, outcome: 'unreachable' }), 1, 'the dead member was tried once, then suspended');
  t.is(sampleValue(s, 'moor_backend_requests_total', { endpoint: `Solo@${backends[1]!.url}`, outcome: 'ok' }), 3);
  t.is(sampleValue(s, 'moor_backend_duration_seconds_count', { endpoint: cart1 }), 4);

  t.is(sampleValue(s, 'moor_sessions_created_total', { group: 'Carts' }), 4);
  t.is(sampleValue(s, 'moor_sessions_active', { group: 'Carts' }), 4);
  t.is(sampleValue(s, 'moor_sessions_count_truncated'), 0);
  t.is(sampleValue(s, 'moor_endpoint_state', { endpoint: gone, state: 'suspended' }), 1);
  t.is(sampleValue(s, 'moor_endpoint_state', { endpoint: gone, state: 'active' }), 0);
  t.is(sampleValue(s, 'moor_endpoint_state', { endpoint: cart1, state: 'active' }), 1);
  t.is(sampleValue(s, 'moor_store_up'), 1);
  t.true(sampleValue(s, 'process_cpu_seconds_total')! > 0, "prom-client's process metrics are there");
  t.false(text.includes('secret-session'), 'no session id in any label');

  // drained at run time: the state follows
  gw.setDraining('cart1', true);
  const after = parseSamples(await metrics.registry.metrics());
  t.is(sampleValue(after, 'moor_endpoint_state', { endpoint: cart1, state: 'draining' }), 1);
  t.is(sampleValue(after, 'moor_endpoint_state', { endpoint: cart1, state: 'active' }), 0);
});

test('a session whose member fails is counted as rebound', async (t) => {
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const metrics = new GatewayMetrics({ processMetrics: false });
  const members = backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`).join('');
  const gw = await startGateway(
    {
      'cart.xml': definitions(`
        <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${members}</loadbalance></endpoint>
        <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
    },
    { metrics },
  );
  t.teardown(() => gw.close());
  const first = await post(`${gw.url}/services/Cart`, soap11(addItem('x'), clientId('s1')), ACTION);
  const owner = backends.find((b) => first.text.includes(`>${b.name}<`))!;
  t.truthy(owner);
  await owner.close();
  t.is((await post(`${gw.url}/services/Cart`, soap11(addItem('x'), clientId('s1')), ACTION)).status, 200);
  const s = parseSamples(await metrics.registry.metrics());
  t.is(sampleValue(s, 'moor_sessions_created_total', { group: 'Carts' }), 1);
  t.is(sampleValue(s, 'moor_sessions_rebound_total', { group: 'Carts' }), 1);
  t.is(sampleValue(s, 'moor_backend_requests_total', { endpoint: `${owner.name}@${owner.url}`, outcome: 'unreachable' }), 1);
  t.is(sampleValue(s, 'moor_sessions_active', { group: 'Carts' }), 1);
});

test('series families: cumulative buckets as prom-client prints them, and a cap on label sets', async (t) => {
  const registry = new Registry();
  const h = new HistogramFamily('h_seconds', 'h', ['k'], [0.1, 1]).register(registry);
  const series = h.series('a');
  for (const v of [0.05, 0.1, 0.5, 3]) series.observe(v);
  const c = new CounterFamily('c_total', 'c', ['k'], 2).register(registry);
  for (const k of ['x', 'y', 'z', 'w']) c.series(k).value++;
  const s = parseSamples(await registry.metrics());
  t.is(sampleValue(s, 'h_seconds_bucket', { k: 'a', le: '0.1' }), 2, 'a value on a bound falls in that bucket');
  t.is(sampleValue(s, 'h_seconds_bucket', { k: 'a', le: '1' }), 3);
  t.is(sampleValue(s, 'h_seconds_bucket', { k: 'a', le: '+Inf' }), 4);
  t.is(sampleValue(s, 'h_seconds_sum', { k: 'a' }), 3.65);
  t.is(sampleValue(s, 'c_total', { k: 'x' }), 1);
  t.is(sampleValue(s, 'c_total', { k: OTHER }), 2, 'label sets past the cap are counted together');
  t.is(sampleValue(s, 'c_total', { k: 'z' }), undefined);
});

test('the access log\'s dropped lines are counted as it counts them, and summed over the workers', async (t) => {
  // a buffer smaller than one line: every line is dropped
  const log = AccessLog.open('/dev/null', () => {}, 10);
  t.teardown(() => log.close());
  const record = { time: new Date(0).toISOString(), proxy: 'Cart', method: 'POST', status: 200, durationMs: 1, bytesIn: 1, bytesOut: 1 };
  for (let i = 0; i < 3; i++) log.write(record);
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const worker = (accessLog: AccessLog | undefined) => {
    const m = new GatewayMetrics({ processMetrics: false });
    m.watch({ addresses: () => [], sessionGroups: () => [], store, accessLog });
    return m;
  };
  const s = parseSamples(await worker(log).registry.metrics());
  t.is(sampleValue(s, 'moor_access_log_dropped_lines_total'), 3);
  t.is(sampleValue(s, 'moor_access_log_failed_writes_total'), 0);
  const merged = parseSamples(await AggregatorRegistry.aggregate([await worker(log).snapshot(true), await worker(log).snapshot(false)]).metrics());
  t.is(sampleValue(merged, 'moor_access_log_dropped_lines_total'), 6, 'as --workers merges them: summed');
  t.is(sampleValue(parseSamples(await worker(undefined).registry.metrics()), 'moor_access_log_dropped_lines_total'), undefined, 'no sample without an access log');
});
