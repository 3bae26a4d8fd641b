/**
 * Stateless affinity, `<session type="http" mode="insert">`: the gateway's own signed route cookie.
 * Three gateway processes that share nothing but the HMAC key (each has its own memory store) route a
 * session by its cookie on any of them; forged, foreign, expired and malformed cookies are ignored;
 * the cookie carries its attributes and never the backend's address; the backend never sees it; no
 * key, no start.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { signedRoute } from '../../src/endpoints/cookie-affinity.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { type GatewayProcess, runMoor, startMoors } from '../helpers/processes.ts';

const KEY = 'k3y-for-tests-0123456789abcdef';
const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };

const proxy = (name: string, endpoint: string): string =>
  `<proxy name="${name}"><target><inSequence><send><endpoint key="${endpoint}"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`;

function files(backends: readonly CartBackend[], extra = ''): Record<string, string> {
  const group = (name: string, session: string): string => `<endpoint name="${name}">${session}<loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>`;
  return {
    'cart.xml': definitions(`
      ${group('Sliding', '<session type="http" mode="insert" cookie="MOORROUTE"/>')}
      ${group('Absolute', '<session type="http" mode="insert" cookie="MOORFIXED" expiry="absolute"><sessionTimeout>1500</sessionTimeout></session>')}
      ${group('Strict', '<session type="http" mode="insert" cookie="MOORSTRICT" secure="true" sameSite="Strict" path="/services"/>')}
      ${proxy('Cart', 'Sliding')}${proxy('CartFixed', 'Absolute')}${proxy('CartStrict', 'Strict')}${extra}`),
  };
}

/** All Set-Cookie lines of a response. */
function setCookies(h: Record<string, string | string[] | undefined>): string[] {
  const v = h['set-cookie'];
  return Array.isArray(v) ? v : v ? [v] : [];
}

/** The `name=value` pair of cookie `name` among Set-Cookie lines. */
function cookieNamed(lines: string[], name: string): string | undefined {
  return lines.map((l) => l.split(';')[0]!).find((c) => c.startsWith(`${name}=`));
}

async function send(url: string, cookies: (string | undefined)[] = []): Promise<{ status: number; instance: string; count: string; set: string[] }> {
  const cookie = cookies.filter((c) => c !== undefined).join('; ');
  const r = await post(url, soap11(addItem('x')), cookie ? { ...ACTION, cookie } : ACTION);
  return { status: r.status, instance: elementText(r.text, 'instance') ?? '', count: elementText(r.text, 'count') ?? '', set: setCookies(r.headers) };
}

let shared: Promise<{ backends: CartBackend[]; nodes: GatewayProcess[] }> | undefined;
/** Three backends and three gateway processes with one key and separate memory stores. */
function nodes3(): Promise<{ backends: CartBackend[]; nodes: GatewayProcess[] }> {
  shared ??= (async () => {
    const backends = await startBackends(3);
    const dir = await configDir(files(backends));
    const nodes = await startMoors(3, dir, [], { MOOR_COOKIE_KEY: KEY });
    return { backends, nodes };
  })();
  return shared;
}
test.after.always(async () => {
  if (!shared) return;
  const { backends, nodes } = await shared;
  await Promise.all(nodes.map((n) => n.kill()));
  await Promise.all(backends.map((b) => b.close()));
});

test.serial('a signed cookie routes its session on any node, with no shared table', async (t) => {
  const { backends, nodes } = await nodes3();
  const seen = new Set<string>();
  for (let s = 0; s < 6; s++) {
    // new sessions through one node, whose round robin spreads them; the rest of each goes anywhere
    const first = await send(`${nodes[0]!.url}/services/Cart`);
    t.is(first.status, 200);
    const route = cookieNamed(first.set, 'MOORROUTE');
    const jsession = cookieNamed(first.set, 'JSESSIONID');
    t.truthy(route, 'the gateway added its cookie');
    t.truthy(jsession, "the backend's own cookie passes through");
    // opaque: neither the backend's name, host nor port is in it
    for (const b of backends) {
      t.false(route!.includes(b.name) || route!.includes(String(b.port)) || route!.includes('127.0.0.1'));
    }
    seen.add(first.instance);
    let cookie = route!;
    for (let i = 2; i <= 6; i++) {
      const r = await send(`${nodes[(s + i) % 3]!.url}/services/Cart`, [cookie, jsession]);
      t.is(r.instance, first.instance, 'every node follows the cookie');
      t.is(r.count, String(i));
      // sliding expiry: each answer renews the cookie, naming the same backend
      cookie = cookieNamed(r.set, 'MOORROUTE')!;
      t.truthy(cookie);
    }
  }
  t.is(seen.size, 3, 'new sessions spread');
});

test.serial('the cookie carries HttpOnly, SameSite, Path, Max-Age, and Secure when configured', async (t) => {
  const { nodes } = await nodes3();
  const plain = (await send(`${nodes[0]!.url}/services/Cart`)).set.find((l) => l.startsWith('MOORROUTE='))!;
  t.regex(plain, /; Path=\/; Max-Age=120; HttpOnly; SameSite=Lax$/);
  t.false(plain.includes('Secure'));
  const strict = (await send(`${nodes[0]!.url}/services/CartStrict`)).set.find((l) => l.startsWith('MOORSTRICT='))!;
  t.regex(strict, /; Path=\/services; Max-Age=120; HttpOnly; SameSite=Strict; Secure$/);
});

test.serial('forged, foreign, malformed and expired cookies are ignored: a new binding and a new cookie', async (t) => {
  const { nodes } = await nodes3();
  const url = (i: number): string => `${nodes[i % 3]!.url}/services/CartFixed`;
  // absolute expiry: a genuine cookie is answered without a new one
  const first = await send(url(0));
  const genuine = cookieNamed(first.set, 'MOORFIXED')!;
  const again = await send(url(1), [genuine]);
  t.is(again.instance, first.instance);
  t.is(cookieNamed(again.set, 'MOORFIXED'), undefined, 'a trusted cookie needs no new one');

  const [token, issued, mac] = genuine.slice('MOORFIXED='.length).split('.') as [string, string, string];
  const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  const forgeries = {
    'tampered mac': `MOORFIXED=${token}.${issued}.${flip(mac)}`,
    'other member, same mac': `MOORFIXED=${flip(token)}.${issued}.${mac}`,
    'later issue time, same mac': `MOORFIXED=${token}.${(parseInt(issued, 36) + 60_000).toString(36)}.${mac}`,
    malformed: 'MOORFIXED=cart1',
    'the address in clear': `MOORFIXED=${encodeURIComponent('http://127.0.0.1:1/services/Cart')}`,
  };
  for (const [what, forged] of Object.entries(forgeries)) {
    const r = await send(url(2), [forged]);
    t.is(r.status, 200, what);
    const issuedNow = cookieNamed(r.set, 'MOORFIXED');
    t.truthy(issuedNow, `${what}: a new cookie`);
    t.not(issuedNow, forged);
  }
  // a forged cookie cannot pick a backend: twelve copies claiming one backend still spread
  const instances = new Set<string>();
  for (let i = 0; i < 12; i++) instances.add((await send(url(0), [`MOORFIXED=${token}.${issued}.${flip(mac)}`])).instance);
  t.true(instances.size > 1, 'round robin, not the forged cookie, chose the backends');

  // expired, without waiting out the absolute timeout (1.5 s): the cookie the gateways would have
  // issued 1.6 s before the genuine one, signed with their key as they sign
  const issuedAt = parseInt(issued, 36);
  const signed = (at: number): string => `MOORFIXED=${signedRoute(Buffer.from(KEY), 'Absolute', token, at)}`;
  t.is(signed(issuedAt), genuine, 'signed as the gateways sign');
  const late = await send(url(1), [signed(issuedAt - 1600)]);
  t.truthy(cookieNamed(late.set, 'MOORFIXED'), 'an expired cookie gets a new one');
  t.not(cookieNamed(late.set, 'MOORFIXED'), signed(issuedAt - 1600));
});

test.serial('a cookie signed with another key is foreign: ignored', async (t) => {
  const backends = await startBackends(3);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const other = await startGateway({
    ...files(backends),
    'key.xml': '<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:cookieKey>another-key-entirely-0000</moor:cookieKey></definitions>',
  });
  const mine = await startGateway({
    ...files(backends),
    'key.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:cookieKey>${KEY}</moor:cookieKey></definitions>`,
  });
  t.teardown(async () => {
    await other.close();
    await mine.close();
  });
  const foreign = cookieNamed((await send(`${other.url}/services/CartFixed`)).set, 'MOORFIXED')!;
  const r = await send(`${mine.url}/services/CartFixed`, [foreign]);
  t.not(cookieNamed(r.set, 'MOORFIXED'), undefined, 'a new cookie replaces the foreign one');
  // the same configuration and key on another gateway trusts its own cookie
  const own = cookieNamed((await send(`${mine.url}/services/CartFixed`)).set, 'MOORFIXED')!;
  t.is(cookieNamed((await send(`${mine.url}/services/CartFixed`, [own])).set, 'MOORFIXED'), undefined);
});

test.serial("the backend never sees the gateway's cookie; its own cookies pass both ways", async (t) => {
  const seen: string[] = [];
  const echo: Server = createServer((req, res) => {
    req.resume();
    seen.push(req.headers.cookie ?? '');
    res.writeHead(200, { 'content-type': 'text/xml', 'set-cookie': 'APP=1; Path=/' }).end(soap11('<ok/>'));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const gw = await startGateway({
    'echo.xml': definitions(`<endpoint name="Echo"><session type="http" mode="insert"/><loadbalance><endpoint name="echo"><address uri="http://127.0.0.1:${(echo.address() as AddressInfo).port}/"/></endpoint></loadbalance></endpoint>${proxy('Echo', 'Echo')}`),
    'key.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:cookieKey>${KEY}</moor:cookieKey></definitions>`,
  });
  t.teardown(async () => {
    await gw.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });
  const first = await send(`${gw.url}/services/Echo`);
  const route = cookieNamed(first.set, 'MOORROUTE')!;
  t.truthy(route, 'the default cookie name of mode="insert" is MOORROUTE');
  t.truthy(cookieNamed(first.set, 'APP'), "the backend's Set-Cookie is kept beside the gateway's");
  await send(`${gw.url}/services/Echo`, ['APP=1', route, 'other=2']);
  await send(`${gw.url}/services/Echo`, [route]);
  t.deepEqual(seen, ['', 'APP=1; other=2', '']);
});

test.serial('a session whose backend is down moves, with a new cookie; onFailure="fault" keeps it and faults', async (t) => {
  const backends = await startBackends(2);
  const key = `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:cookieKey>${KEY}</moor:cookieKey></definitions>`;
  const gw = await startGateway({
    'c.xml': definitions(`
      <endpoint name="Move"><session type="http" mode="insert" cookie="M"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <endpoint name="Keep"><session type="http" mode="insert" cookie="K" onFailure="fault"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      ${proxy('Move', 'Move')}${proxy('Keep', 'Keep')}`),
    'key.xml': key,
  });
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const move = await send(`${gw.url}/services/Move`);
  const down = backends.find((b) => b.name === move.instance)!;
  // a Keep session on the same backend (round robin reaches it within two new sessions)
  let keep = await send(`${gw.url}/services/Keep`);
  for (let i = 0; i < 3 && keep.instance !== down.name; i++) keep = await send(`${gw.url}/services/Keep`);
  t.is(keep.instance, down.name);
  const keepCookie = cookieNamed(keep.set, 'K')!;
  await down.close();
  const moved = await send(`${gw.url}/services/Move`, [cookieNamed(move.set, 'M')]);
  t.is(moved.status, 200);
  t.not(moved.instance, down.name);
  t.truthy(cookieNamed(moved.set, 'M'), 'the moved session has a cookie naming its new backend');
  const faulted = await post(`${gw.url}/services/Keep`, soap11(addItem('x')), { ...ACTION, cookie: keepCookie });
  t.is(faulted.status, 500);
  t.regex(faulted.text, /MOOR_ERR_SESSION_ENDPOINT_DOWN/);
});

test('no key, no start: a clear error names the session and the ways to give one', async (t) => {
  const dir = await configDir(files([{ name: 'cart1', url: 'http://127.0.0.1:1/services/Cart', port: 1, served: 0, close: async () => undefined }]));
  const none = await runMoor(['start', '--config', dir, '--port', '0'], { MOOR_COOKIE_KEY: '' });
  t.is(none.code, 1);
  t.regex(none.stderr, /cart\.xml:\d+:\d+ MOOR_ERR_COOKIE_KEY .*MOOR_COOKIE_KEY.*<moor:cookieKey>/);
  t.false(none.stdout.includes('moor listening'));
  const short = await runMoor(['start', '--config', dir, '--port', '0'], { MOOR_COOKIE_KEY: 'short' });
  t.is(short.code, 1);
  t.regex(short.stderr, /MOOR_ERR_COOKIE_KEY the cookie HMAC key is 5 characters long; use at least 16/);
});
