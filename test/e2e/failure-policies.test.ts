/**
 * What happens to sessions when a backend dies: onFailure="rebind" moves the session and keeps it on its
 * new backend; onFailure="fault" answers with a fault and keeps the binding, so the session returns to
 * its backend when it is back. A new session never fails because one backend is down.
 */
import test from 'ava';
import { type CartBackend, startCartBackend } from '../../demo/cart-backend.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';

const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string) => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

async function setup(t: import('ava').ExecutionContext, session: string) {
  const backends = await startBackends(3);
  const gw = await startGateway({
    'cart.xml': definitions(`
      <endpoint name="Nodes">${session}<loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence></target></proxy>`),
  });
  const live = new Set<CartBackend>(backends);
  t.teardown(async () => {
    await gw.close();
    await Promise.all([...live].map((b) => b.close()));
  });
  const send = (id: string, item = 'x') => post(`${gw.url}/services/Cart`, soap11(addItem(item), clientId(id)), HEADERS);
  return { backends, gw, live, send };
}

test('onFailure="rebind" (default): the session moves to a healthy backend and stays there', async (t) => {
  const { backends, live, send } = await setup(t, '<session type="simpleClientSession"/>');
  const first = await send('carol');
  const home = backends.find((b) => b.name === elementText(first.text, 'instance'))!;
  await home.close();
  live.delete(home);
  const moved = await send('carol');
  t.is(moved.status, 200, 'the client is not failed by a dead backend');
  const newHome = elementText(moved.text, 'instance');
  t.not(newHome, home.name);
  for (let i = 0; i < 4; i++) t.is(elementText((await send('carol')).text, 'instance'), newHome, 'and the session stays on its new backend');
});

test('onFailure="fault": a fault naming the endpoint, and the binding is kept until the backend returns', async (t) => {
  const { backends, live, send } = await setup(t, '<session type="simpleClientSession" onFailure="fault"/>');
  const first = await send('dave');
  const home = backends.find((b) => b.name === elementText(first.text, 'instance'))!;
  await home.close();
  live.delete(home);
  const failed = await send('dave');
  t.is(failed.status, 500);
  t.is(failed.headers['x-moor-error'], 'MOOR_ERR_SESSION_ENDPOINT_DOWN');
  t.regex(failed.text, /<faultcode>soapenv:Server<\/faultcode>/);
  t.true(failed.text.includes(`bound to ${home.name}`), 'the reason names the endpoint');
  t.false(failed.text.includes(home.url), 'by its name, not its address');
  // other sessions are unaffected
  const other = await send('erin');
  t.is(other.status, 200);
  // the backend comes back on its port: the session goes home (its cart there is new: the old process is gone)
  const back = await startCartBackend({ name: home.name, port: home.port });
  live.add(back);
  const again = await send('dave');
  t.is(again.status, 200, again.text);
  t.is(elementText(again.text, 'instance'), home.name);
});

test('http cookie session with rebind: the new backend opens a new session, and the client follows it', async (t) => {
  const { backends, live, gw } = await setup(t, '<session type="http"/>');
  const url = `${gw.url}/services/Cart`;
  const first = await post(url, soap11(addItem('a')), HEADERS);
  const cookie = String(first.headers['set-cookie']).split(';')[0]!;
  const home = backends.find((b) => b.name === elementText(first.text, 'instance'))!;
  await home.close();
  live.delete(home);
  const moved = await post(url, soap11(addItem('b')), { ...HEADERS, cookie });
  t.is(moved.status, 200);
  t.not(elementText(moved.text, 'instance'), home.name);
  const newCookie = String(moved.headers['set-cookie']).split(';')[0]!;
  t.regex(newCookie, /^JSESSIONID=/, 'the new backend created its own session');
  const next = await post(url, soap11(addItem('c')), { ...HEADERS, cookie: newCookie });
  t.is(elementText(next.text, 'instance'), elementText(moved.text, 'instance'));
  t.is(elementText(next.text, 'count'), '2');
});

test('a new session whose first choice is down goes to the next backend', async (t) => {
  const { backends, live, send } = await setup(t, '<session type="simpleClientSession"/>');
  const dead = backends[0]!;
  await dead.close();
  live.delete(dead);
  for (let i = 0; i < 6; i++) {
    const r = await send(`new-${i}`);
    t.is(r.status, 200, r.text);
    t.not(elementText(r.text, 'instance'), dead.name);
  }
});

test('no session: an unreachable backend gives a Server fault naming it (by name, not address); a slow one times out', async (t) => {
  const backends = await startBackends(1);
  const deadUrl = backends[0]!.url;
  await backends[0]!.close();
  const { createServer } = await import('node:http');
  const slow = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const slowUrl = `http://127.0.0.1:${(slow.address() as import('node:net').AddressInfo).port}/services/Slow`;
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="Dead"><target><endpoint name="dead"><address uri="${deadUrl}"/></endpoint></target></proxy>
      <proxy name="Slow"><target><endpoint name="slow"><address uri="${slowUrl}"><timeout><duration>300</duration></timeout></address></endpoint></target></proxy>`),
  });
  t.teardown(async () => {
    await gw.close();
    slow.closeAllConnections();
    slow.close();
  });
  const dead = await post(`${gw.url}/services/Dead`, soap11(addItem('a')), HEADERS);
  t.is(dead.status, 500);
  t.is(dead.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_UNREACHABLE');
  t.regex(dead.text, /unreachable/);
  t.regex(dead.text, /endpoint dead is unreachable/);
  t.false(dead.text.includes(deadUrl), 'the address goes to the log, not to the client');
  const timedOut = await post(`${gw.url}/services/Slow`, soap11(addItem('a')), HEADERS);
  t.is(timedOut.status, 500);
  t.is(timedOut.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_TIMEOUT');
  t.regex(timedOut.text, /timed out/);
  t.regex(timedOut.text, /endpoint slow timed out/);
  t.false(timedOut.text.includes(slowUrl));
});
