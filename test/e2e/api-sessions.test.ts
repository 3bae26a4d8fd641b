/**
 * Session affinity on REST APIs as on proxies, end to end: three real REST backends on loopback behind a
 * real gateway, a resource whose load-balanced endpoint keeps sessions by cookie (the backend's
 * JSESSIONID), by an HTTP header (`$trp:` XPath) and by XPath over a POX body; JSON requests keep theirs
 * too when the key is not in the body.
 */
import test from 'ava';
import { request } from 'undici';
import { definitions, startGateway } from '../helpers/gateway.ts';
import { type RestBackend, type RestCall, startRestBackend } from '../helpers/rest-backend.ts';

/** A backend that opens a session (Set-Cookie JSESSIONID) for a request without one, and says who it is. */
async function backends(n: number): Promise<RestBackend[]> {
  const out: RestBackend[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `b${i}`;
    let sessions = 0;
    out.push(
      await startRestBackend(name, (c: RestCall) => ({
        contentType: 'application/json',
        body: JSON.stringify({ backend: name }),
        headers: String(c.headers.cookie ?? '').includes('JSESSIONID=') ? {} : { 'set-cookie': `JSESSIONID=${name}-${++sessions}; Path=/` },
      })),
    );
  }
  return out;
}

async function gatewayWith(bs: RestBackend[], session: string, resource = 'methods="GET POST" url-mapping="/*"') {
  const members = bs.map((b) => `<endpoint name="${b.url.slice(-5)}"><address uri="${b.url}/cart"/></endpoint>`).join('');
  return startGateway({
    'api.xml': definitions(`
      <endpoint name="Carts">${session}<loadbalance>${members}</loadbalance></endpoint>
      <api name="Cart" context="/cart"><resource ${resource}><inSequence><send><endpoint key="Carts"/></send></inSequence></resource></api>`),
  });
}

async function ask(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ backend: string; cookie: string | undefined; status: number }> {
  const res = await request(url, { method: method as 'GET', headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.body.text();
  const set = res.headers['set-cookie'];
  return { status: res.statusCode, backend: res.statusCode === 200 ? (JSON.parse(text) as { backend: string }).backend : text, cookie: set === undefined ? undefined : String(set).split(';')[0] };
}

function closeAll(t: { teardown(f: () => Promise<void>): void }, gw: { close(): Promise<void> }, bs: RestBackend[]): void {
  t.teardown(async () => {
    await gw.close();
    await Promise.all(bs.map((b) => b.close()));
  });
}

test('cookie sessions (type="http"): a REST client that sends its JSESSIONID back stays on its backend; new clients spread', async (t) => {
  const bs = await backends(3);
  const gw = await gatewayWith(bs, '<session type="http"/>');
  closeAll(t, gw, bs);
  const homes = new Set<string>();
  for (let c = 0; c < 3; c++) {
    const first = await ask(`${gw.url}/cart/items`, 'GET');
    t.truthy(first.cookie, 'the backend opened a session');
    for (let i = 0; i < 4; i++) {
      const next = await ask(`${gw.url}/cart/items/${i}`, i % 2 ? 'POST' : 'GET', { cookie: first.cookie!, 'content-type': 'application/json' }, i % 2 ? '{"add":1}' : undefined);
      t.is(next.backend, first.backend, 'every request of the session reaches the backend that holds it');
    }
    homes.add(first.backend);
  }
  t.is(homes.size, 3, 'three sessions on three backends');
});

test('header sessions ($trp: XPath): one X-Cart value, one backend, for JSON and GET requests alike', async (t) => {
  const bs = await backends(3);
  const gw = await gatewayWith(bs, '<session type="xpath" expression="$trp:X-Cart"/>');
  closeAll(t, gw, bs);
  const homes = new Map<string, string>();
  for (let round = 0; round < 3; round++) {
    // (later rounds go in another order, so that a plain round robin could not pass by chance)
    for (const cart of round === 0 ? ['alpha', 'beta', 'gamma'] : ['gamma', 'alpha', 'beta']) {
      const r = round === 1 ? await ask(`${gw.url}/cart/add`, 'POST', { 'x-cart': cart, 'content-type': 'application/json' }, '{"item":"x"}') : await ask(`${gw.url}/cart/${cart}`, 'GET', { 'x-cart': cart });
      t.is(r.status, 200);
      if (round === 0) homes.set(cart, r.backend);
      else t.is(r.backend, homes.get(cart)!, `${cart} stays where it started`);
    }
  }
  t.is(new Set(homes.values()).size, 3);
});

test('XPath sessions over a POX body stick, and over a JSON body read as XML by WSO2\'s rules', async (t) => {
  const bs = await backends(3);
  const gw = await gatewayWith(bs, '<session type="xpath" expression="//cart/id"/>');
  closeAll(t, gw, bs);
  const xml = { 'content-type': 'application/xml' };
  const homes = new Map<string, string>();
  for (let round = 0; round < 2; round++) {
    for (const id of round === 0 ? ['1', '2', '3'] : ['2', '3', '1']) {
      const r = await ask(`${gw.url}/cart/add`, 'POST', xml, `<?xml version="1.0"?><cart><id>${id}</id><item>i${round}</item></cart>`);
      t.is(r.status, 200);
      if (round === 0) homes.set(id, r.backend);
      else t.is(r.backend, homes.get(id)!);
    }
  }
  t.is(new Set(homes.values()).size, 3);
  // JSON is read as WSO2's <jsonObject><cart><id>1</id></cart></jsonObject>: the same session as the POX cart 1
  const json = await ask(`${gw.url}/cart/add`, 'POST', { 'content-type': 'application/json' }, '{"cart":{"id":1}}');
  t.is(json.status, 200);
  t.is(json.backend, homes.get('1')!);
});
