/**
 * The gateway end to end: three real Cart backends (the `soap` package) behind a real gateway, for
 * every session type: the messages of one session land on one backend, new sessions spread.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import * as soap from 'soap';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';

const WSDL = path.resolve('wsdl/Cart.wsdl');
const SOAP_ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };

/** A gateway with one proxy `Cart` over the backends, with `<session>` given. */
async function gatewayWith(backends: CartBackend[], session: string, extra = '') {
  return startGateway({
    'cart.xml': definitions(`
      <endpoint name="Nodes">${session}<loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence><outSequence><send/></outSequence></target></proxy>
      ${extra}`),
  });
}

test('http cookie sessions: a real SOAP client keeps its cart on one instance, new clients spread', async (t) => {
  const backends = await startBackends(3);
  const gw = await gatewayWith(backends, '<session type="http"/>');
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const instances = new Set<string>();
  for (let c = 0; c < 3; c++) {
    const client = await soap.createClientAsync(WSDL, { endpoint: `${gw.url}/services/Cart` });
    const [first] = await client.AddItemAsync({ item: 'apple' });
    const cookie = String(client.lastResponseHeaders?.['set-cookie'] ?? '').split(';')[0]!;
    t.regex(cookie, /^JSESSIONID=/);
    client.addHttpHeader('Cookie', cookie);
    let last = first;
    for (let i = 0; i < 5; i++) {
      [last] = await client.AddItemAsync({ item: `item${i}` });
      t.is(last.instance, first.instance, 'every message of the session reaches the instance that holds it');
    }
    t.is(last.count, 6, 'the cart kept all six items');
    instances.add(first.instance);
  }
  t.is(instances.size, 3, 'three new sessions were spread over the three instances');
});

test('soap sessions (axis2:ServiceGroupId) stick in both WS-Addressing namespaces', async (t) => {
  const backends = await startBackends(3);
  const gw = await gatewayWith(backends, '<session type="soap"/>');
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const url = `${gw.url}/services/Cart`;
  const seen = new Set<string>();
  for (const wsa of ['http://www.w3.org/2005/08/addressing', 'http://schemas.xmlsoap.org/ws/2004/08/addressing', '', '']) {
    const first = await post(url, soap11(addItem('a')), SOAP_ACTION);
    t.is(first.status, 200);
    const group = elementText(first.text, 'ServiceGroupId');
    t.truthy(group, 'the backend created a soap session');
    const instance = elementText(first.text, 'instance')!;
    seen.add(instance);
    const header = `<axis2:ServiceGroupId xmlns:axis2="http://ws.apache.org/namespaces/axis2"${wsa ? ` xmlns:wsa="${wsa}" wsa:IsReferenceParameter="true"` : ''}>${group}</axis2:ServiceGroupId>`;
    for (let i = 0; i < 4; i++) {
      const r = await post(url, soap11(addItem(`x${i}`), header), SOAP_ACTION);
      t.is(elementText(r.text, 'instance'), instance);
      t.is(elementText(r.text, 'count'), String(i + 2));
    }
  }
  t.true(seen.size >= 2, 'new soap sessions spread');
});

test('simpleClientSession (syn:ClientID) and type="header" sessions are bound by their first message', async (t) => {
  const backends = await startBackends(3);
  const byClient = await gatewayWith(backends, '<session type="simpleClientSession"/>');
  const byHeader = await gatewayWith(backends, '<session type="header"><header xmlns:acme="urn:acme" name="acme:Ctx"/></session>');
  t.teardown(async () => {
    await byClient.close();
    await byHeader.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const cases = [
    { gw: byClient, header: (id: string) => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>` },
    // the demo backend reads acme:Ctx/acme:Sid; the gateway keys on the whole acme:Ctx block's text
    { gw: byHeader, header: (id: string) => `<q:Ctx xmlns:q="urn:acme"><q:Sid>${id}</q:Sid></q:Ctx>` },
  ];
  for (const { gw, header } of cases) {
    const spread = new Set<string>();
    for (let s = 0; s < 6; s++) {
      const id = `client-${s}-${Math.random()}`;
      const instances = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const r = await post(`${gw.url}/services/Cart`, soap11(addItem(`i${i}`), header(id)), SOAP_ACTION);
        t.is(r.status, 200, r.text);
        instances.add(elementText(r.text, 'instance')!);
        t.is(elementText(r.text, 'count'), String(i + 1), 'the cart holds every item of the session');
      }
      t.is(instances.size, 1, 'one session, one instance');
      spread.add([...instances][0]!);
    }
    t.is(spread.size, 3, 'six new sessions spread over all three instances');
  }
});

test('a custom dispatcher module (type="class") routes on whatever it reads', async (t) => {
  const backends = await startBackends(2);
  const dir = await configDir({
    'cart.xml': definitions(`
      <endpoint name="Nodes"><session type="class" class="./tenant-dispatcher.js"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence></target></proxy>`),
  });
  // a user module: the session is the X-Tenant HTTP header
  await writeFile(
    path.join(dir, 'tenant-dispatcher.js'),
    `export default { initiator: 'client', async keyOfRequest(msg) { return msg.transport.get('x-tenant'); } };\n`,
  );
  const gw = await startGateway(dir);
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const where = async (tenant: string) => {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem('x')), { ...SOAP_ACTION, 'x-tenant': tenant });
    return elementText(r.text, 'instance');
  };
  const a = await where('acme');
  const b = await where('globex');
  t.not(a, b, 'two tenants, round robin put them apart');
  for (let i = 0; i < 4; i++) {
    t.is(await where('acme'), a);
    t.is(await where('globex'), b);
  }
});

test('SOAP 1.2: routed, sticky, and answered in SOAP 1.2', async (t) => {
  const backends = await startBackends(3);
  const gw = await gatewayWith(backends, '<session type="simpleClientSession"/>');
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const headers = { 'content-type': 'application/soap+xml; charset=utf-8; action="urn:moor:demo:cart/AddItem"' };
  const header = `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">bob</syn:ClientID>`;
  const first = await post(`${gw.url}/services/Cart`, soap12(addItem('a'), header), headers);
  t.is(first.status, 200, first.text);
  t.true(first.text.includes('http://www.w3.org/2003/05/soap-envelope'), 'a SOAP 1.2 response');
  t.regex(String(first.headers['content-type']), /^application\/soap\+xml/);
  // the same backends answer SOAP 1.1 in SOAP 1.1, as text/xml
  const old = await post(`${gw.url}/services/Cart`, soap11(addItem('a'), header), SOAP_ACTION);
  t.is(old.status, 200, old.text);
  t.true(old.text.includes('http://schemas.xmlsoap.org/soap/envelope/') && !old.text.includes('http://www.w3.org/2003/05/soap-envelope'), 'a SOAP 1.1 response');
  t.regex(String(old.headers['content-type']), /^text\/xml/);
  for (let i = 0; i < 3; i++) {
    const r = await post(`${gw.url}/services/Cart`, soap12(addItem('b'), header), headers);
    t.is(elementText(r.text, 'instance'), elementText(first.text, 'instance'));
  }
  // a SOAP 1.2 fault for a SOAP 1.2 request: an unknown proxy is a Sender fault, HTTP 404
  const missing = await post(`${gw.url}/services/Nope`, soap12(addItem('a')), headers);
  t.is(missing.status, 404);
  t.regex(missing.text, /<soapenv:Value>soapenv:Sender<\/soapenv:Value>/);
  t.regex(missing.text, /Nope/);
});
