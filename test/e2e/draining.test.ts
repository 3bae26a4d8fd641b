/**
 * Draining an endpoint keeps its sessions on it and sends it no new ones — for client-created
 * sessions (syn:ClientID), server-created ones (Set-Cookie JSESSIONID) and insert-mode cookies — set in
 * the configuration, at run time through the admin call, and through a configuration change + SIGHUP.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { ADMIN, addItem, configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startMoor } from '../helpers/processes.ts';

const KEY = `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:cookieKey>drain-tests-key-0123456789</moor:cookieKey></definitions>`;
const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const proxy = (name: string, endpoint: string): string =>
  `<proxy name="${name}"><target><inSequence><send><endpoint key="${endpoint}"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`;

/** Three session types over the same members; `members` may mark some draining. */
function files(members: string): Record<string, string> {
  const group = (name: string, session: string): string => `<endpoint name="${name}">${session}<loadbalance>${members}</loadbalance></endpoint>`;
  return {
    'cart.xml': definitions(`
      ${group('ByClient', '<session type="simpleClientSession"/>')}
      ${group('ByCookie', '<session type="http"/>')}
      ${group('ByRoute', '<session type="http" mode="insert"/>')}
      ${proxy('Client', 'ByClient')}${proxy('Cookie', 'ByCookie')}${proxy('Route', 'ByRoute')}`),
    'key.xml': KEY,
  };
}

/** A session of one kind: how to open it and how to continue it. */
interface Kind {
  readonly name: string;
  /** Opens a new session; resolves to its backend and what continues it. */
  open(url: string, n: number): Promise<{ instance: string; carry: Record<string, string> }>;
  next(url: string, carry: Record<string, string>): Promise<{ instance: string; count: string }>;
}

async function call(url: string, headers: Record<string, string>, header = '') {
  const r = await post(url, soap11(addItem('x'), header), { ...ACTION, ...headers });
  const set = r.headers['set-cookie'];
  const cookies = (Array.isArray(set) ? set : set ? [set] : []).map((l) => l.split(';')[0]!);
  return { status: r.status, text: r.text, instance: elementText(r.text, 'instance') ?? `(${r.status})`, count: elementText(r.text, 'count') ?? '', cookies };
}

const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;
let unique = 0;
const KINDS: Kind[] = [
  {
    name: 'client-created (syn:ClientID)',
    async open(url) {
      const id = `c${unique++}`;
      return { instance: (await call(`${url}/services/Client`, {}, clientId(id))).instance, carry: { id } };
    },
    next: (url, carry) => call(`${url}/services/Client`, {}, clientId(carry.id!)),
  },
  {
    name: 'server-created (JSESSIONID)',
    async open(url) {
      const r = await call(`${url}/services/Cookie`, {});
      return { instance: r.instance, carry: { cookie: r.cookies.find((c) => c.startsWith('JSESSIONID='))! } };
    },
    next: (url, carry) => call(`${url}/services/Cookie`, { cookie: carry.cookie! }),
  },
  {
    name: 'insert-mode cookie (MOORROUTE)',
    async open(url) {
      const r = await call(`${url}/services/Route`, {});
      return { instance: r.instance, carry: { cookie: r.cookies.join('; ') } };
    },
    next: (url, carry) => call(`${url}/services/Route`, { cookie: carry.cookie! }),
  },
];

async function withBackends(t: import('ava').ExecutionContext): Promise<CartBackend[]> {
  const backends = await startBackends(3);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  return backends;
}

test('the admin drain call: sessions on the endpoint stay, new ones go elsewhere; undrain takes new ones again', async (t) => {
  const backends = await withBackends(t);
  const gw = await startGateway(files(memberEndpoints(backends)), ADMIN);
  t.teardown(() => gw.close());
  for (const kind of KINDS) {
    const onCart1: Record<string, string>[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await kind.open(gw.url, i);
      if (s.instance === 'cart1') onCart1.push(s.carry);
    }
    t.true(onCart1.length >= 1, `${kind.name}: some sessions on cart1 before the drain`);
    const drain = await post(`${gw.adminUrl!}/endpoints/cart1/drain`, '', {});
    t.is(drain.status, 200);
    t.like(JSON.parse(drain.text), { draining: true });
    const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { id: string; state: string }[] };
    t.is(health.endpoints.find((e) => e.id.startsWith('cart1@'))?.state, 'draining');
    for (const carry of onCart1) {
      const r = await kind.next(gw.url, carry);
      t.is(r.instance, 'cart1', `${kind.name}: an existing session stays on the draining endpoint`);
      t.is(r.count, '2');
    }
    for (let i = 0; i < 12; i++) t.not((await kind.open(gw.url, i)).instance, 'cart1', `${kind.name}: no new session on cart1`);
    await post(`${gw.adminUrl!}/endpoints/cart1/undrain`, '', {});
    const after = new Set<string>();
    for (let i = 0; i < 6; i++) after.add((await kind.open(gw.url, i)).instance);
    t.true(after.has('cart1'), `${kind.name}: after undrain cart1 takes new sessions`);
  }
  t.is((await post(`${gw.adminUrl!}/endpoints/nosuch/drain`, '', {})).status, 404);
  t.is((await post(`${gw.adminUrl!}/endpoints/bad%E0%A4/drain`, '', {})).status, 400);
});

test('draining="true" in the configuration: no new sessions, and a session bound to it elsewhere keeps going there', async (t) => {
  const backends = await withBackends(t);
  const members = backends.map((b) => `<endpoint name="${b.name}"${b.name === 'cart3' ? ' draining="true"' : ''}><address uri="${b.url}"/></endpoint>`).join('');
  const store = new MemoryStore();
  // a binding another node made before cart3 was drained
  await store.claim('ByClient|old-customer', `cart3@${backends[2]!.url}`, 60_000);
  const gw = await startGateway(files(members), { store });
  t.teardown(() => gw.close());
  for (const kind of KINDS) {
    for (let i = 0; i < 9; i++) t.not((await kind.open(gw.url, i)).instance, 'cart3', kind.name);
  }
  const old = await KINDS[0]!.next(gw.url, { id: 'old-customer' });
  t.is(old.instance, 'cart3', 'the existing session stays on its draining endpoint');
});

test('every member draining: new sessions get a fault naming the group, bound sessions are still served', async (t) => {
  const backends = await withBackends(t);
  const gw = await startGateway(files(memberEndpoints(backends)), ADMIN);
  t.teardown(() => gw.close());
  const kept = await KINDS[0]!.open(gw.url, 0);
  for (const b of backends) await post(`${gw.adminUrl!}/endpoints/${b.name}/drain`, '', {});
  const refused = await call(`${gw.url}/services/Client`, {}, clientId('brand-new'));
  t.is(refused.status, 500);
  t.regex(refused.text, /MOOR_ERR_NO_ENDPOINT/);
  const cookie = await call(`${gw.url}/services/Cookie`, {});
  t.regex(cookie.text, /MOOR_ERR_NO_ENDPOINT/, 'server-created sessions (sendFree) skip draining members too');
  t.is((await KINDS[0]!.next(gw.url, kept.carry)).instance, kept.instance);
});

test('draining by configuration change + SIGHUP on a running moor start', async (t) => {
  const backends = await withBackends(t);
  const dir = await configDir(files(memberEndpoints(backends)));
  const gw = await startMoor(dir, ['--log-level', 'info']);
  t.teardown(() => gw.kill());
  const sessions: { instance: string; carry: Record<string, string> }[] = [];
  for (let i = 0; i < 6; i++) sessions.push(await KINDS[0]!.open(gw.url, i));
  const file = path.join(dir, 'cart.xml');
  await writeFile(file, (await readFile(file, 'utf8')).replaceAll('<endpoint name="cart2">', '<endpoint name="cart2" draining="true">'));
  gw.proc.kill('SIGHUP');
  const deadline = Date.now() + 10_000;
  while (!/configuration reloaded/.test(gw.output())) {
    if (Date.now() > deadline) {
      t.fail(`no reload:\n${gw.output()}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const s of sessions) t.is((await KINDS[0]!.next(gw.url, s.carry)).instance, s.instance, 'sessions are kept across the reload');
  for (let i = 0; i < 9; i++) t.not((await KINDS[0]!.open(gw.url, i)).instance, 'cart2');

  // taking draining="true" out of the file and reloading undrains: cart2 takes new sessions again
  await writeFile(file, (await readFile(file, 'utf8')).replaceAll('<endpoint name="cart2" draining="true">', '<endpoint name="cart2">'));
  const reloads = (gw.output().match(/configuration reloaded/g) ?? []).length;
  gw.proc.kill('SIGHUP');
  const again = Date.now() + 10_000;
  while ((gw.output().match(/configuration reloaded/g) ?? []).length === reloads) {
    if (Date.now() > again) {
      t.fail(`no second reload:\n${gw.output()}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const opened = new Set<string>();
  for (let i = 0; i < 9; i++) opened.add((await KINDS[0]!.open(gw.url, i)).instance);
  t.true(opened.has('cart2'), 'new sessions reach cart2 again');
});

test("a draining member's insert cookie is not renewed: a replayed cookie ends within the session timeout, and the drain completes", async (t) => {
  const backends = await withBackends(t);
  const members = memberEndpoints(backends);
  const gw = await startGateway(
    {
      'cart.xml': definitions(`<endpoint name="Short"><session type="http" mode="insert" cookie="MOORSHORT"><sessionTimeout>5000</sessionTimeout></session><loadbalance>${members}</loadbalance></endpoint>${proxy('Short', 'Short')}`),
      'key.xml': KEY,
    },
    ADMIN,
  );
  t.teardown(() => gw.close());
  // a session on cart1
  let cookie = '';
  let first = '';
  for (let i = 0; i < 9 && first !== 'cart1'; i++) {
    const r = await call(`${gw.url}/services/Short`, {});
    first = r.instance;
    cookie = r.cookies.find((c) => c.startsWith('MOORSHORT='))!;
  }
  t.is(first, 'cart1');
  const renewed = await call(`${gw.url}/services/Short`, { cookie });
  t.true(renewed.cookies.some((c) => c.startsWith('MOORSHORT=')), 'an active member renews the cookie with every answer');
  t.is((await post(`${gw.adminUrl!}/endpoints/cart1/drain`, '', {})).status, 200);
  // the client replays the one cookie it has, over and over: it stays on cart1, but is never renewed
  const replays: { instance: string; renewed: boolean }[] = [];
  // (the session timeout is 5 s so that a loaded machine still replays within it; the loop ends at the expiry)
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call(`${gw.url}/services/Short`, { cookie });
    replays.push({ instance: r.instance, renewed: r.cookies.some((c) => c.startsWith('MOORSHORT=')) });
    if (r.instance !== 'cart1' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const onCart1 = replays.slice(0, -1);
  t.true(onCart1.length >= 1, 'the session stayed on its draining member while its cookie was valid');
  t.true(onCart1.every((r) => !r.renewed), 'the draining member never renewed the cookie');
  const last = replays.at(-1)!;
  t.not(last.instance, 'cart1', 'once the cookie expired, the replayed cookie starts a new session elsewhere');
  t.true(last.renewed, 'with a new cookie of its new member');
});
