/**
 * `?wsdl` keeps clients on the gateway: the published WSDL names the gateway's URL for the proxy as the
 * request reached it (Host, X-Forwarded-*, Forwarded), its imports and includes are served through the
 * gateway and rewritten the same way, and a client generated from it (the `soap` package) sends every
 * message through the gateway and keeps its session. Other GETs on a service are SOAP faults.
 */
import test from 'ava';
import * as soap from 'soap';
import { request } from 'undici';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { definitions, startGateway } from '../helpers/gateway.ts';

const WSDL11 = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:p">
  <import namespace="urn:p:more" location="more/extra.wsdl"/>
  <types>
    <xsd:schema targetNamespace="urn:p">
      <xsd:import namespace="urn:p:a" schemaLocation="types/a.xsd"/>
      <xsd:import namespace="urn:other" schemaLocation="http://example.org/other.xsd"/>
    </xsd:schema>
  </types>
  <service name="P">
    <port name="P11" binding="tns:B11"><soap:address location="http://10.0.0.9:9001/backend/P"/></port>
    <port name="P12" binding="tns:B12"><soap12:address location="http://10.0.0.9:9001/backend/P"/></port>
  </service>
</definitions>
`;
const A_XSD = `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:p:a"><xsd:include schemaLocation="../types/b.xsd"/></xsd:schema>`;
const B_XSD = `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:p:a"><xsd:element name="B" type="xsd:string"/></xsd:schema>`;
const EXTRA_WSDL = `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:p:more"/>`;
const WSDL20 = `<description xmlns="http://www.w3.org/ns/wsdl" targetNamespace="urn:q">
  <service name="Q" interface="tns:I"><endpoint name="E" binding="tns:B" address="http://10.0.0.9:9002/backend/Q"/></service>
</description>`;

async function gatewayWithWsdls() {
  return startGateway({
    'conf.xml': definitions(`
      <proxy name="P"><target><inSequence><respond/></inSequence></target><publishWSDL uri="file:wsdl/p.wsdl"/></proxy>
      <proxy name="Q"><target><inSequence><respond/></inSequence></target><publishWSDL uri="file:wsdl/q.wsdl"/></proxy>
      <proxy name="Bare"><target><inSequence><respond/></inSequence></target></proxy>`),
    'wsdl/p.wsdl': WSDL11,
    'wsdl/types/a.xsd': A_XSD,
    'wsdl/types/b.xsd': B_XSD,
    'wsdl/types/unreferenced.xsd': B_XSD,
    'wsdl/more/extra.wsdl': EXTRA_WSDL,
    'wsdl/q.wsdl': WSDL20,
  });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Every value of attribute `attr` in `xml`. */
function attributes(xml: string, attr: string): string[] {
  return [...xml.matchAll(new RegExp(`\\s${attr}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

test('?wsdl names the gateway as the request reached it, in every address, and serves its imports through it', async (t) => {
  const gw = await gatewayWithWsdls();
  t.teardown(() => gw.close());
  const base = `${gw.url}/services/P`;

  const direct = await get(`${base}?wsdl`);
  t.is(direct.status, 200);
  t.regex(String(direct.headers['content-type']), /^text\/xml/);
  t.deepEqual(attributes(direct.text, 'location'), [`${base}?wsdl=more%2Fextra.wsdl`, base, base]);
  t.deepEqual(attributes(direct.text, 'schemaLocation'), [`${base}?xsd=types%2Fa.xsd`, 'http://example.org/other.xsd']);
  t.notRegex(direct.text, /10\.0\.0\.9/);

  const cases: [Record<string, string>, string][] = [
    [{ host: 'gw.example:8080' }, 'http://gw.example:8080/services/P'],
    [{ host: 'internal:8280', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example', 'x-forwarded-port': '8443' }, 'https://public.example:8443/services/P'],
    [{ host: 'internal:8280', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example', 'x-forwarded-port': '443' }, 'https://public.example/services/P'],
    [{ host: 'internal:8280', forwarded: 'for=192.0.2.1;proto=https;host="api.example", for=10.0.0.1' }, 'https://api.example/services/P'],
    [{ host: 'h.example', 'x-forwarded-prefix': '/soap/' }, 'http://h.example/soap/services/P'],
    [{ host: 'h.example', 'x-forwarded-host': 'evil"><x a="' }, 'http://h.example/services/P'],
  ];
  for (const [headers, expected] of cases) {
    const r = await get(`${base}?wsdl`, headers);
    t.is(r.status, 200);
    t.deepEqual(attributes(r.text, 'location').slice(1), [expected, expected], JSON.stringify(headers));
    t.is(attributes(r.text, 'schemaLocation')[0], `${expected}?xsd=types%2Fa.xsd`);
  }

  // the imported schema, rewritten in turn: its include (written ../types/b.xsd) is served at its own key
  const a = await get(`${base}?xsd=types%2Fa.xsd`, { host: 'gw.example' });
  t.is(a.status, 200);
  t.deepEqual(attributes(a.text, 'schemaLocation'), ['http://gw.example/services/P?xsd=types%2Fb.xsd']);
  const b = await get(`${base}?xsd=types/b.xsd`);
  t.is(b.status, 200);
  t.regex(b.text, /<xsd:element name="B"/);
  t.is((await get(`${base}?wsdl=more%2Fextra.wsdl`)).status, 200);

  // only documents the WSDL reaches: nothing else of the disk, not even beside it
  for (const other of ['types/unreferenced.xsd', '../conf.xml', '../../../../etc/passwd', '/etc/passwd']) {
    const r = await get(`${base}?xsd=${encodeURIComponent(other)}`);
    t.is(r.status, 404, other);
    t.is(r.headers['x-moor-error'], 'MOOR_ERR_NO_SERVICE');
    t.regex(r.text, /<soapenv:Fault>|Fault/);
  }
});

test('a WSDL 2.0 endpoint address names the gateway too', async (t) => {
  const gw = await gatewayWithWsdls();
  t.teardown(() => gw.close());
  const r = await get(`${gw.url}/services/Q?wsdl`, { host: 'gw.example:8280' });
  t.is(r.status, 200);
  t.deepEqual(attributes(r.text, 'address'), ['http://gw.example:8280/services/Q']);
});

test('a GET on a service other than ?wsdl is a SOAP fault (405, Allow: POST); ?wsdl of a proxy without one is a 404 fault', async (t) => {
  const gw = await gatewayWithWsdls();
  t.teardown(() => gw.close());
  for (const target of ['/services/P', '/services/P?op=1', '/services/Bare']) {
    const r = await get(`${gw.url}${target}`);
    t.is(r.status, 405, target);
    t.is(r.headers.allow, 'POST');
    t.is(r.headers['x-moor-error'], 'MOOR_ERR_METHOD');
    t.regex(String(r.headers['content-type']), /^text\/xml/);
    t.regex(r.text, /<faultcode>soapenv:Client<\/faultcode>/);
    t.regex(r.text, /GET is not a SOAP request/);
  }
  const bare = await get(`${gw.url}/services/Bare?wsdl`);
  t.is(bare.status, 404);
  t.is(bare.headers['x-moor-error'], 'MOOR_ERR_NO_SERVICE');
});

// the demo Cart's WSDL with its schema moved into an imported file: the client must fetch that through the gateway too
const CART_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions name="Cart" targetNamespace="urn:moor:demo:cart" xmlns:tns="urn:moor:demo:cart"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://schemas.xmlsoap.org/wsdl/">
  <types>
    <xsd:schema targetNamespace="urn:moor:demo:cart-wsdl"><xsd:import namespace="urn:moor:demo:cart" schemaLocation="cart.xsd"/></xsd:schema>
  </types>
  <message name="AddItemInput"><part name="body" element="tns:AddItem"/></message>
  <message name="CartOutput"><part name="body" element="tns:CartResponse"/></message>
  <portType name="CartPortType"><operation name="AddItem"><input message="tns:AddItemInput"/><output message="tns:CartOutput"/></operation></portType>
  <binding name="CartSoapBinding" type="tns:CartPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="AddItem"><soap:operation soapAction="urn:moor:demo:cart/AddItem"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="CartService"><port name="CartPort" binding="tns:CartSoapBinding"><soap:address location="http://127.0.0.1:1/unreachable"/></port></service>
</definitions>
`;
const CART_XSD = `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:moor:demo:cart" elementFormDefault="qualified">
  <xsd:element name="AddItem"><xsd:complexType><xsd:sequence><xsd:element name="item" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
  <xsd:element name="CartResponse"><xsd:complexType><xsd:sequence>
    <xsd:element name="instance" type="xsd:string"/><xsd:element name="session" type="xsd:string"/>
    <xsd:element name="count" type="xsd:int"/><xsd:element name="items" type="xsd:string"/>
  </xsd:sequence></xsd:complexType></xsd:element>
</xsd:schema>
`;

test("a soap client created from the gateway's ?wsdl sends through the gateway and keeps its session", async (t) => {
  const backends = await startBackends(3);
  const gw = await startGateway({
    'cart.xml': definitions(`
      <endpoint name="Nodes"><session type="simpleClientSession"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>
      <proxy name="CartService"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence><outSequence><send/></outSequence></target>
        <publishWSDL uri="file:wsdl/Cart.wsdl"/></proxy>`),
    'wsdl/Cart.wsdl': CART_WSDL,
    'wsdl/cart.xsd': CART_XSD,
  });
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const service = `${gw.url}/services/CartService`;
  const instances = new Set<string>();
  for (const who of ['alice', 'bob', 'carol']) {
    // no endpoint option: the client goes wherever the WSDL says
    const client = await soap.createClientAsync(`${service}?wsdl`);
    client.addSoapHeader(`<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${who}</syn:ClientID>`);
    const seen = new Set<string>();
    for (let n = 1; n <= 3; n++) {
      const [answer] = (await client.AddItemAsync({ item: `i${n}` })) as [{ instance: string; count: number }];
      t.is(client.lastEndpoint, service);
      t.is(Number(answer.count), n, `${who}'s cart grows on one instance`);
      seen.add(answer.instance);
    }
    t.is(seen.size, 1);
    instances.add([...seen][0]!);
  }
  t.true(instances.size > 1, 'new sessions spread over the instances');
  t.is(backends.reduce((sum, b) => sum + b.served, 0), 9, 'every message reached a backend, through the gateway');
});
