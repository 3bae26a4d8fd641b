/**
 * Several gateway nodes, one truth about sessions: a real redis-server, three real `moor start`
 * processes sharing it, three real Cart backends. Messages of one session go to any node and always
 * reach one backend; nodes racing on a new session bind it once; a killed node loses no session; a
 * Redis restart loses no request. Then `--workers 2` on one port with the memory store.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { Redis } from 'ioredis';
import winston from 'winston';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { createLogger } from '../../src/logging.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { type GatewayProcess, startMoor, startMoors } from '../helpers/processes.ts';
import { type RedisServer, startRedis } from '../helpers/redis.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };

function config(backends: readonly CartBackend[]): Promise<string> {
  const proxy = (name: string, endpoint: string): string =>
    `<proxy name="${name}"><target><inSequence><send><endpoint key="${endpoint}"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`;
  return configDir({
    'cart.xml': definitions(`
      <endpoint name="ByCookie"><session type="http"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <endpoint name="ByClient"><session type="simpleClientSession"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      ${proxy('CartCookie', 'ByCookie')}${proxy('CartClient', 'ByClient')}`),
  });
}

interface Cluster {
  redis: RedisServer;
  backends: CartBackend[];
  nodes: GatewayProcess[];
  dir: string;
}

/** Redis, three backends and three gateway nodes. */
async function startCluster(): Promise<Cluster> {
  const redis = await startRedis();
  const backends = await startBackends(3);
  const dir = await config(backends);
  const c: Cluster = { redis, backends, nodes: [], dir };
  running.push(c);
  // a 1 s command timeout: a busy test machine must not be taken for a Redis outage (the default is 250 ms)
  c.nodes = await startMoors(3, dir, ['--store', `${redis.url}/0?timeoutMs=1000`]);
  return c;
}

const running: Cluster[] = [];
test.after.always(async () => {
  for (const c of running) {
    await Promise.all(c.nodes.map((n) => n.kill()));
    await Promise.all(c.backends.map((b) => b.close()));
    await c.redis.stop();
  }
});

// starting gateway processes takes seconds, so the serial tests share two clusters: one for routing
// (its last test kills a node), one for Redis outages
let routing: Promise<Cluster> | undefined;
let outages: Promise<Cluster> | undefined;
const routingCluster = (): Promise<Cluster> => (routing ??= startCluster());
const outageCluster = (): Promise<Cluster> => (outages ??= startCluster());

const clientHeader = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Adds an item to a ClientID session through `node`. */
async function addByClient(node: GatewayProcess, id: string, item: string): Promise<{ status: number; instance: string | undefined; count: string | undefined }> {
  const r = await post(`${node.url}/services/CartClient`, soap11(addItem(item), clientHeader(id)), ACTION);
  return { status: r.status, instance: elementText(r.text, 'instance'), count: elementText(r.text, 'count') };
}

/** Adds an item to a cookie session (none yet: the backend opens one) through `node`. */
async function addByCookie(node: GatewayProcess, cookie: string | undefined, item: string) {
  const r = await post(`${node.url}/services/CartCookie`, soap11(addItem(item)), cookie ? { ...ACTION, cookie } : ACTION);
  const set = r.headers['set-cookie'];
  const created = (Array.isArray(set) ? set : set ? [set] : []).map((l) => l.split(';')[0]!).find((c) => c.startsWith('JSESSIONID='));
  return { status: r.status, instance: elementText(r.text, 'instance'), count: elementText(r.text, 'count'), created };
}

test.serial('the messages of one session, spread randomly over three nodes, always reach one backend', async (t) => {
  const { nodes } = await routingCluster();
  const instances = new Set<string>();
  // server-created sessions (Set-Cookie JSESSIONID), learnt by whichever node saw the response
  for (let s = 0; s < 9; s++) {
    const first = await addByCookie(pick(nodes), undefined, 'a');
    t.is(first.status, 200);
    t.truthy(first.created);
    instances.add(first.instance!);
    for (let i = 2; i <= 8; i++) {
      const r = await addByCookie(pick(nodes), first.created, `x${i}`);
      t.is(r.instance, first.instance, 'same backend whatever the node');
      t.is(r.count, String(i), 'and the cart kept every item');
    }
  }
  // client-created sessions (syn:ClientID)
  for (let s = 0; s < 9; s++) {
    const id = `spread-${s}`;
    const first = await addByClient(pick(nodes), id, 'a');
    instances.add(first.instance!);
    for (let i = 2; i <= 8; i++) {
      const r = await addByClient(pick(nodes), id, `x${i}`);
      t.is(r.instance, first.instance);
      t.is(r.count, String(i));
    }
  }
  t.is(instances.size, 3, 'new sessions still spread over the three backends');
});

test.serial('two or three nodes receiving a new session’s first message at the same moment bind it once', async (t) => {
  const { nodes, redis } = await routingCluster();
  const sessions = Array.from({ length: 60 }, (_, i) => `race-${i}`);
  await Promise.all(
    sessions.map(async (id) => {
      const answers = await Promise.all(nodes.map((n, i) => addByClient(n, id, `from-node-${i}`)));
      t.true(answers.every((a) => a.status === 200));
      t.is(new Set(answers.map((a) => a.instance)).size, 1, `${id}: every node sent it to one backend (${answers.map((a) => a.instance).join(', ')})\n${nodes.map((n) => n.output()).join('\n')}`);
      t.deepEqual(answers.map((a) => a.count).sort(), ['1', '2', '3'], `${id}: one cart got all three items`);
    }),
  );
  const raw = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => raw.disconnect());
  const keys = await raw.keys('moor:session:*');
  t.is(keys.filter((k) => k.includes('|race-')).length, sessions.length, 'one binding per session');
  const value = await raw.get(keys.find((k) => k.includes('|race-0'))!);
  t.regex(value!, /^cart\d@http:\/\/127\.0\.0\.1:\d+\/services\/Cart$/, 'the binding names the endpoint by its stable id');
});

test.serial('a gateway node killed with SIGKILL loses no session: the others keep routing it', async (t) => {
  const { nodes } = await routingCluster();
  const sessions: { id: string; instance: string }[] = [];
  for (let s = 0; s < 12; s++) {
    const id = `survivor-${s}`;
    const r = await addByClient(nodes[s % 3]!, id, 'a');
    sessions.push({ id, instance: r.instance! });
  }
  const cookies: { cookie: string; instance: string }[] = [];
  for (let s = 0; s < 6; s++) {
    const r = await addByCookie(nodes[0]!, undefined, 'a');
    cookies.push({ cookie: r.created!, instance: r.instance! });
  }
  await nodes[0]!.kill();
  const rest = nodes.slice(1);
  for (const s of sessions) {
    const r = await addByClient(pick(rest), s.id, 'b');
    t.is(r.instance, s.instance);
    t.is(r.count, '2');
  }
  for (const c of cookies) {
    const r = await addByCookie(pick(rest), c.cookie, 'b');
    t.is(r.instance, c.instance, 'a session only the dead node had seen is known to the others');
    t.is(r.count, '2');
  }
});

test.serial('health says degraded while Redis is away, and ok when it is back', async (t) => {
  const { nodes, redis } = await outageCluster();
  const health = async (): Promise<{ status: string; store: string }> => (await (await fetch(`${nodes[0]!.url}/_moor/health`)).json()) as { status: string; store: string };
  t.like(await health(), { status: 'ok', store: 'ok' });
  const logged = (): number => nodes[0]!.output().match(/session store degraded/g)?.length ?? 0;
  const before = logged();
  await redis.stop();
  await until(async () => (await health()).store === 'degraded');
  t.like(await health(), { status: 'degraded', store: 'degraded' });
  t.regex(nodes[0]!.output(), /WARN \[session\] session store degraded: Redis at redis:\/\/127\.0\.0\.1:\d+\/0(\?timeoutMs=1000)? is unreachable/);
  await redis.start();
  await until(async () => (await health()).store === 'ok');
  t.is(logged(), before + 1, 'logged once');
});

test.serial('restarting Redis under continuous traffic loses no request, and sessions every node knew keep their backend', async (t) => {
  const { nodes, redis } = await outageCluster();
  // each session is seen once by every node first, so each node's local mirror knows it
  const sessions = Array.from({ length: 8 }, (_, i) => ({ id: `steady-${i}`, instance: '', count: 0 }));
  for (const s of sessions) {
    for (const n of nodes) {
      const r = await addByClient(n, s.id, 'warm');
      s.instance ||= r.instance!;
      t.is(r.instance, s.instance);
      s.count++;
    }
  }
  let running = true;
  let sent = 0;
  const failures: string[] = [];
  const moved: string[] = [];
  const loops = sessions.map(async (s) => {
    while (running) {
      const r = await addByClient(pick(nodes), s.id, 'x').catch((e: Error) => ({ status: 0, instance: e.message, count: undefined }));
      sent++;
      if (r.status !== 200) failures.push(`${s.id}: ${r.status} ${r.instance ?? ''}`);
      else if (r.instance !== s.instance) moved.push(`${s.id}: ${s.instance} → ${r.instance}`);
    }
  });
  // brand-new sessions during the outage must be answered too (their binding may differ per node)
  const newcomers = (async () => {
    for (let i = 0; running; i++) {
      const r = await addByClient(pick(nodes), `newcomer-${i}`, 'n');
      sent++;
      if (r.status !== 200) failures.push(`newcomer-${i}: ${r.status}`);
    }
  })();
  // the phases are counted in requests, not in milliseconds: each lasts until 50 more were answered
  const answered = (n: number) => until(async () => sent >= n, 30_000);
  await answered(50);
  await redis.stop();
  await answered(sent + 50);
  const during = sent;
  await redis.start();
  await until(async () => ((await (await fetch(`${nodes[0]!.url}/_moor/health`)).json()) as { store: string }).store === 'ok', 30_000);
  await answered(sent + 50);
  running = false;
  await Promise.all([...loops, newcomers]);
  t.deepEqual(failures, [], 'every request was answered 200');
  t.deepEqual(moved, [], 'no known session changed backend');
  t.true(sent >= during + 50, `traffic flowed before, during and after the outage (${during}, ${sent})`);
  // the bindings made before the restart were written back to the (empty) new Redis
  const raw = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => raw.disconnect());
  for (const s of sessions) {
    const v = await raw.get(`moor:session:ByClient|${s.id}`);
    t.true(v?.startsWith(`${s.instance}@`), `${s.id} is in Redis again`);
  }
  for (const n of nodes) {
    const health = (await (await fetch(`${n.url}/_moor/health`)).json()) as { store: string };
    t.is(health.store, 'ok');
  }
});

test.serial('--workers 2: one port, one listening line, shared bindings (memory store in the primary), drain relayed, SIGTERM exits 0', async (t) => {
  const backends = await startBackends(3);
  const dir = await config(backends);
  const gw = await startMoor(dir, ['--workers', '2', '--admin', '127.0.0.1:0']);
  t.teardown(async () => {
    await gw.kill();
    await Promise.all(backends.map((b) => b.close()));
  });
  const workers = gw.children();
  t.is(workers.length, 2, 'two worker processes');
  t.is(gw.output().match(/moor listening on/g)?.length, 1, 'the listening line is printed once');
  t.regex(gw.output(), /moor listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/);
  // concurrent first messages of one session land on different workers: they still agree
  const one = [gw];
  for (let i = 0; i < 30; i++) {
    const answers = await Promise.all([0, 1, 2, 3].map((k) => addByClient(pick(one), `w-${i}`, `k${k}`)));
    t.is(new Set(answers.map((a) => a.instance)).size, 1, `w-${i} on one backend`);
  }
  // many sessions at once (their store operations travel together): each keeps its own backend
  const many = Array.from({ length: 24 }, (_, i) => `m-${i}`);
  const first = await Promise.all(many.map((s) => addByClient(gw, s, 'a')));
  const again = await Promise.all(many.map((s) => addByClient(gw, s, 'b')));
  t.deepEqual(again.map((a) => a.instance), first.map((a) => a.instance));
  t.true(new Set(first.map((a) => a.instance)).size > 1, 'new sessions spread');
  // a drain call answered by one worker holds for both
  const drained = await post(`${gw.adminUrl!}/endpoints/cart1/drain`, '', {});
  t.is(drained.status, 200);
  for (let i = 0; i < 30; i++) {
    const r = await addByClient(gw, `after-drain-${i}`, 'a');
    t.not(r.instance, 'cart1', 'no new session on the draining backend, whichever worker answered');
  }
  t.is(await gw.stop('SIGTERM'), 0, 'SIGTERM to the primary drains the workers and exits 0');
  const alive = workers.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  t.deepEqual(alive, [], 'no worker outlives the primary');
});

test('a binding to an endpoint this node does not know is treated as unbound, logged, and moved once', async (t) => {
  const backends = await startBackends(3);
  const store = new MemoryStore();
  // another node, with a newer configuration, bound this session to a backend this node lacks
  await store.claim('ByClient|from-elsewhere', 'cart9@http://10.9.9.9/services/Cart', 60_000);
  const lines: string[] = [];
  const logger = createLogger('warn', [new winston.transports.Stream({ stream: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) })]);
  const gw = await startGateway({ 'cart.xml': await readFile(path.join(await config(backends), 'cart.xml'), 'utf8') }, { store, logger });
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const url = `${gw.url}/services/CartClient`;
  const first = await post(url, soap11(addItem('a'), clientHeader('from-elsewhere')), ACTION);
  t.is(first.status, 200);
  const instance = elementText(first.text, 'instance')!;
  t.true((await store.get('ByClient|from-elsewhere', 'sliding', 60_000))?.endpoint.startsWith(`${instance}@`), 'rebound to a known member');
  for (let i = 0; i < 3; i++) t.is(elementText((await post(url, soap11(addItem('b'), clientHeader('from-elsewhere')), ACTION)).text, 'instance'), instance);
  t.is(lines.filter((l) => l.includes('which this gateway does not know')).length, 1, 'logged once, not on every message');
});

async function until(cond: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
