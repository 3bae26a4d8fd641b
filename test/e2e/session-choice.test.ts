/**
 * The member of a new session when gateways cannot agree through a store: two real gateways, each
 * with a table of its own, three real Cart backends, and client-created sessions whose messages
 * alternate between the two gateways. With choose="hash" — or by default, while the store is degraded
 * — both gateways send every session to one backend; with choose="balance", each balances on its own
 * and sessions split. And the configuration's checks.
 */
import test from 'ava';
import { readConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/logging.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { type SessionStore } from '../../src/session/store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/redis.ts';

let backends: CartBackend[];
test.before(async () => {
  backends = await startBackends(3);
});
test.after.always(() => Promise.all(backends.map((b) => b.close())));

const files = (choose: string): Record<string, string> => ({
  'cart.xml': definitions(
    `<endpoint name="Carts"><session type="simpleClientSession"${choose}/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>` +
      '<proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>',
  ),
});

/** A Redis store whose Redis does not exist: degraded from the start, each node on its own table. */
async function deadRedis(): Promise<SessionStore> {
  return RedisStore.connect(parseStoreUrl(`redis://127.0.0.1:${await freePort()}/0`) as RedisTarget, { log: silentLogger(), connectWaitMs: 50 });
}

/** Sends 20 sessions × 4 messages alternately through two gateways; returns how many were split. */
async function splits(t: import('ava').ExecutionContext, choose: string, store: () => Promise<SessionStore>): Promise<number> {
  const stores = [await store(), await store()];
  const gateways = await Promise.all(stores.map((s) => startGateway(files(choose), { store: s })));
  t.teardown(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all(stores.map((s) => s.close()));
  });
  const send = (gateway: number, id: string) =>
    post(`${gateways[gateway]!.url}/services/Cart`, soap11(addItem('x'), `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`), {
      'content-type': 'text/xml',
      soapaction: '"urn:moor:demo:cart/AddItem"',
    });
  // the second gateway has seen one session more than the first (as nodes always have)
  t.is((await send(1, `${choose}-warm`)).status, 200);
  let split = 0;
  for (let s = 0; s < 20; s++) {
    const seen = new Set<string>();
    for (let m = 0; m < 4; m++) {
      const r = await send(m % 2, `${choose}-${s}`);
      t.is(r.status, 200);
      seen.add(elementText(r.text, 'instance')!);
    }
    if (seen.size > 1) split++;
  }
  return split;
}

test('choose="hash": two gateways with tables of their own agree on every session', async (t) => {
  t.is(await splits(t, ' choose="hash"', async () => new MemoryStore()), 0);
});

test('by default, while the store is degraded, two gateways agree on every new session', async (t) => {
  t.is(await splits(t, '', deadRedis), 0);
});

test('by default with the memory store (one table, nothing to disagree about), new sessions follow the round robin', async (t) => {
  const gw = await startGateway(files(''), { store: new MemoryStore() });
  t.teardown(() => gw.close());
  const placed: string[] = [];
  for (let s = 0; s < 6; s++) {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem('x'), `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">rr-${s}</syn:ClientID>`), { 'content-type': 'text/xml', soapaction: '"urn:moor:demo:cart/AddItem"' });
    placed.push(elementText(r.text, 'instance')!);
  }
  t.deepEqual(placed, ['cart1', 'cart2', 'cart3', 'cart1', 'cart2', 'cart3']);
});

test('choose="balance": each gateway balances on its own, and sessions split', async (t) => {
  // round robin on each node, one apart: the 1st and the 2nd message of a session land on two members
  t.true((await splits(t, ' choose="balance"', deadRedis)) > 10);
});

test('choose= is checked: an unknown value is an error, and it is a warning where it has no effect', async (t) => {
  const dir = await configDir({
    'a.xml': definitions(
      [
        '',
        '<endpoint name="A"><session type="simpleClientSession" choose="random"/><loadbalance><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></loadbalance></endpoint>',
        '<endpoint name="B"><session type="simpleClientSession" choose="hash"/><failover><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></failover></endpoint>',
        '<endpoint name="C"><session type="http" mode="insert" choose="hash"/><loadbalance><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></loadbalance></endpoint>',
        '<endpoint name="D"><session type="simpleClientSession" choose="hash"/><loadbalance algorithm="leastActive"><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></loadbalance></endpoint>',
        '<endpoint name="E"><session type="simpleClientSession" choose="hash"/><loadbalance><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></loadbalance></endpoint>',
      ].join('\n'),
    ),
  });
  const c = await readConfig(dir);
  const errors = c.diag.errors.map(String);
  const warnings = c.diag.warnings.map(String);
  t.true(errors.some((e) => /a\.xml:2:\d+ MOOR_ERR_BAD_VALUE .*choose.*random/.test(e)), errors.join('\n'));
  t.true(warnings.some((w) => /a\.xml:3:\d+ MOOR_WARN_NO_EFFECT choose= has no effect on <failover>/.test(w)), warnings.join('\n'));
  t.true(warnings.some((w) => /a\.xml:4:\d+ MOOR_WARN_NO_EFFECT choose= has no effect with mode="insert"/.test(w)), warnings.join('\n'));
  t.true(warnings.some((w) => /a\.xml:5:\d+ MOOR_WARN_NO_EFFECT algorithm="leastActive" does not place new sessions when choose="hash"/.test(w)), warnings.join('\n'));
  t.false(warnings.some((w) => /a\.xml:6:/.test(w)), 'choose="hash" on a round-robin group is what it says');
});
