/**
 * The endpoint registry over a configuration loaded as `moor start` loads it (loadRuntime): what is
 * built once and shared, which groups bind sessions and how, what operators see, and the backends'
 * state a reload carries over. No sockets: nothing is sent.
 */
import test from 'ava';
import { AddressEndpoint } from '../../src/endpoints/address.ts';
import { SessionAffinity } from '../../src/endpoints/affinity.ts';
import { GroupEndpoint } from '../../src/endpoints/group.ts';
import { SYNAPSE_CODES } from '../../src/endpoints/failure-codes.ts';
import { loadRuntime, type Runtime } from '../../src/server/runtime.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { configDir } from '../helpers/gateway.ts';

const address = (name: string, port: number, extra = ''): string => `<endpoint name="${name}"><address uri="http://127.0.0.1:${port}/services/Cart">${extra}</address></endpoint>`;
const members = `${address('cart1', 9001)}${address('cart2', 9002)}`;
const send = (key: string): string => `<send><endpoint key="${key}"/></send>`;

function definitions(suspend = ''): string {
  return `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config">
    <moor:cookieKey>k3y-for-tests-0123456789abcdef</moor:cookieKey>
    <endpoint name="Table"><session type="simpleClientSession"/><loadbalance>${members}</loadbalance></endpoint>
    <endpoint name="Cookie"><session type="http" mode="insert" cookie="MOORROUTE"/><loadbalance>${members}</loadbalance></endpoint>
    <endpoint name="Plain"><failover>${address('cart1', 9001, suspend)}${address('cart3', 9003)}</failover></endpoint>
    <endpoint name="Alias" key="Plain"/>
    <proxy name="A"><target><inSequence>${send('Table')}${send('Cookie')}</inSequence></target></proxy>
    <proxy name="B"><target><inSequence>${send('Plain')}<send><endpoint><address uri="http://127.0.0.1:9009/inline"/></endpoint></send></inSequence></target></proxy>
  </definitions>`;
}

async function load(xml: string, replacing?: Runtime): Promise<Runtime> {
  const dir = await configDir({ 'all.xml': xml });
  return loadRuntime(dir, { store: new MemoryStore(new ManualClock(), 0), defaultTimeoutMs: 1000, defaultSuspendMs: 30_000, clock: new ManualClock(1000) }, replacing);
}

test('one backend configured the same way in several groups is one endpoint, its health shared', async (t) => {
  const r = await load(definitions());
  const ids = [...r.endpoints.addresses()].map((a) => a.id).sort();
  t.deepEqual(ids, ['cart1@http://127.0.0.1:9001/services/Cart', 'cart2@http://127.0.0.1:9002/services/Cart', 'cart3@http://127.0.0.1:9003/services/Cart', 'http://127.0.0.1:9009/inline']);
  const [table, plain] = [[...r.endpoints.byName('Table')!.leaves()], [...r.endpoints.byName('Plain')!.leaves()]];
  t.is(table[0], plain[0], 'cart1 in Table and in Plain');
});

test('a group with a <session> is wrapped by its affinity; operators see the group, its kind of affinity, and the table groups', async (t) => {
  const r = await load(definitions());
  t.true(r.endpoints.byName('Table') instanceof SessionAffinity);
  t.true(r.endpoints.byName('Cookie') instanceof SessionAffinity);
  t.true(r.endpoints.byName('Plain') instanceof GroupEndpoint);
  t.is(r.endpoints.byName('Alias'), r.endpoints.byName('Plain'), 'a reference is the endpoint it names');
  const all = r.endpoints.all();
  t.false(all.some((e) => e instanceof SessionAffinity), 'the wrapper is not an endpoint of its own');
  const groups = all.filter((e): e is GroupEndpoint => e instanceof GroupEndpoint);
  t.deepEqual(groups.map((g) => [g.id, r.endpoints.affinityOf(g) ?? 'none']).sort(), [['Cookie', 'cookie'], ['Plain', 'none'], ['Table', 'table']]);
  t.deepEqual(r.endpoints.sessionGroups(), ['Table'], 'only the table binds sessions in the store');
});

test('draining a group found among all() drains what the proxies send to', async (t) => {
  const r = await load(definitions());
  const group = r.endpoints.all().find((e) => e.id === 'Table')!;
  t.true(r.endpoints.byName('Table')!.available(1000));
  group.draining = true;
  t.false(r.endpoints.byName('Table')!.available(1000));
  t.true(r.endpoints.byName('Table')!.draining);
});

test('a bare URL gets one endpoint per URL; an unknown key is an error naming it', async (t) => {
  const r = await load(definitions());
  t.is(r.endpoints.forAddress('http://127.0.0.1:9100/x'), r.endpoints.forAddress('http://127.0.0.1:9100/x'));
  t.not(r.endpoints.forAddress('http://127.0.0.1:9100/x'), r.endpoints.forAddress('http://127.0.0.1:9100/y'));
  t.throws(() => r.endpoints.of({ kind: 'ref', loc: { file: 'x', line: 1, col: 1 }, key: 'Nope' }), { code: 'MOOR_ERR_UNRESOLVED_KEY', message: /Nope/ });
});

test('a reload keeps a suspended backend suspended, unless its failure policy changed', async (t) => {
  const before = await load(definitions());
  const cart1 = (r: Runtime) => [...r.endpoints.addresses()].find((a) => a.id.startsWith('cart1@'))! as AddressEndpoint;
  cart1(before).health.onFailure(SYNAPSE_CODES.CONNECTION_FAILED, 'ECONNREFUSED', 1000);
  t.is(cart1(before).state, 'suspended');
  const same = await load(definitions(), before);
  t.is(cart1(same).state, 'suspended');
  // (the one backend of all three groups: Plain's copy has its own policy now, so two cart1s)
  const changed = await load(definitions('<suspendOnFailure><initialDuration>5000</initialDuration></suspendOnFailure>'), before);
  const states = [...changed.endpoints.addresses()].filter((a) => a.id.startsWith('cart1@')).map((a) => a.state);
  t.deepEqual(states.sort(), ['active', 'suspended']);
});
