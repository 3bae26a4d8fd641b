/**
 * `<wsdl>` endpoints as the configuration loads: the WSDL read from an inline copy, a file, a local entry,
 * a registry resource or an http URL; the service's port's address and SOAP version taken as Synapse's
 * WSDL11EndpointBuilder takes them; every problem (no such service or port, a bad or missing WSDL, a
 * fetch that fails) a configuration error at the <wsdl>'s file:line:col.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { type AddressDef, type GroupDef } from '../../src/config/endpoint-def.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';
import { freePort } from '../helpers/redis.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** The demo Cart WSDL with its two ports' addresses replaced. */
async function cartWsdl(soap11At: string, soap12At = 'http://127.0.0.1:9/soap12'): Promise<string> {
  const text = await readFile('wsdl/Cart.wsdl', 'utf8');
  return text.replace(/(<soap:address location=")[^"]*/, `$1${soap11At}`).replace(/(<soap12:address location=")[^"]*/, `$1${soap12At}`);
}

const WSDL20 = `<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:w2" xmlns:wsoap="http://www.w3.org/ns/wsdl/soap" targetNamespace="urn:w2">
  <interface name="I"/>
  <binding name="B11" interface="tns:I" type="http://www.w3.org/ns/wsdl/soap" wsoap:version="1.1"/>
  <binding name="B12" interface="tns:I" type="http://www.w3.org/ns/wsdl/soap"/>
  <service name="S" interface="tns:I">
    <endpoint name="E11" binding="tns:B11" address="http://127.0.0.1:8011/w2"/>
    <endpoint name="E12" binding="tns:B12" address="http://127.0.0.1:8012/w2"/>
  </service>
</description>`;

async function load(files: Record<string, string>) {
  const dir = await configDir(files);
  const loaded = await loadConfig(dir);
  const show = (e: { loc: { file: string; line: number; col: number }; code: string; message: string }): string =>
    `${e.loc.file}:${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`.replaceAll(`${dir}/`, '');
  return { config: loaded.config, errors: loaded.errors.map(show), warnings: loaded.warnings.map(show), dir };
}

function address(config: Awaited<ReturnType<typeof load>>['config'], name: string): AddressDef {
  return config!.endpoints.get(name)!.def as AddressDef;
}

async function serve(handler: (url: string) => { status: number; body: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const { status, body } = handler(req.url ?? '');
    res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('a file: WSDL, a local entry, a registry resource and an inline WSDL each give their port\'s address and SOAP version', async (t) => {
  const got = await load({
    'cart.wsdl': await cartWsdl('http://127.0.0.1:8001/services/Cart', 'http://127.0.0.1:8002/services/Cart12'),
    'registry/conf/wsdl/cart.wsdl': await cartWsdl('http://127.0.0.1:8003/reg'),
    'synapse.xml': `<definitions ${SYN}>
  <localEntry key="cartWsdl" src="file:cart.wsdl"/>
  <endpoint name="File"><wsdl uri="file:cart.wsdl" service="CartService" port="CartPort"><timeout><duration>1500</duration></timeout></wsdl></endpoint>
  <endpoint name="File12"><wsdl uri="file:cart.wsdl" service="CartService" port="CartSoap12Port"/></endpoint>
  <endpoint name="Entry"><wsdl key="cartWsdl" service="CartService" port="CartSoap12Port"/></endpoint>
  <endpoint name="Reg"><wsdl key="conf:/wsdl/cart.wsdl" service="CartService" port="CartPort"><enableAddressing/></wsdl></endpoint>
  <endpoint name="W2a"><wsdl service="S" port="E11">${WSDL20}</wsdl></endpoint>
  <endpoint name="W2b"><wsdl service="S" port="E12">${WSDL20}</wsdl></endpoint>
  <endpoint name="Inline"><wsdl service="SQ" port="P"><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" targetNamespace="urn:x"><wsdl:service name="SQ"><wsdl:port name="P" binding="x"><soap12:address location="https://backend.example:8443/sq"/></wsdl:port></wsdl:service></wsdl:definitions></wsdl></endpoint>
</definitions>`,
  });
  t.deepEqual(got.errors, []);
  t.deepEqual(got.warnings, []);
  const file = address(got.config, 'File');
  t.like(file, { kind: 'address', name: 'File', uri: 'http://127.0.0.1:8001/services/Cart', format: 'soap11' });
  t.is(file.failure.timeoutMs, 1500, 'the failure children of <address> are read on <wsdl>');
  t.like(address(got.config, 'File12'), { uri: 'http://127.0.0.1:8002/services/Cart12', format: 'soap12' });
  t.like(address(got.config, 'Entry'), { uri: 'http://127.0.0.1:8002/services/Cart12', format: 'soap12' });
  t.like(address(got.config, 'Reg'), { uri: 'http://127.0.0.1:8003/reg', format: 'soap11', addressing: true });
  t.like(address(got.config, 'W2a'), { uri: 'http://127.0.0.1:8011/w2', format: 'soap11' });
  t.like(address(got.config, 'W2b'), { uri: 'http://127.0.0.1:8012/w2', format: 'soap12' }, 'WSDL 2.0: SOAP 1.2 when the binding names no version');
  t.like(address(got.config, 'Inline'), { uri: 'https://backend.example:8443/sq', format: 'soap12' });
});

test('an http WSDL is fetched once for all the endpoints naming it; members of a group, inline in a sequence', async (t) => {
  let fetches = 0;
  const wsdl = await cartWsdl('http://127.0.0.1:8101/services/Cart');
  const { url, server } = await serve(() => (fetches++, { status: 200, body: wsdl }));
  t.teardown(() => server.close());
  const got = await load({
    'synapse.xml': `<definitions ${SYN}>
  <endpoint name="LB"><session type="simpleClientSession"/><loadbalance>
    <endpoint name="m1"><wsdl uri="${url}/Cart?wsdl" service="CartService" port="CartPort"/></endpoint>
    <endpoint name="m2"><address uri="http://127.0.0.1:8102/services/Cart"/></endpoint>
  </loadbalance></endpoint>
  <sequence name="main"><send><endpoint><wsdl uri="${url}/Cart?wsdl" service="CartService" port="CartPort"/></endpoint></send></sequence>
</definitions>`,
  });
  t.deepEqual(got.errors, []);
  t.is(fetches, 1);
  const lb = got.config!.endpoints.get('LB')!.def as GroupDef;
  t.like(lb.members[0], { kind: 'address', name: 'm1', uri: 'http://127.0.0.1:8101/services/Cart', format: 'soap11' });
});

test('no such service, no such port, a missing file, a malformed WSDL, not a WSDL: MOOR_ERR_WSDL at the <wsdl>', async (t) => {
  const got = await load({
    'cart.wsdl': await cartWsdl('http://127.0.0.1:8001/c'),
    'bad.wsdl': '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">\n  <service name="S">\n</definitions>',
    'schema.wsdl': '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
    'synapse.xml': `<definitions ${SYN}>
<endpoint name="A"><wsdl uri="file:cart.wsdl" service="Cart" port="CartPort"/></endpoint>
<endpoint name="B"><wsdl uri="file:cart.wsdl" service="CartService" port="CartSoap"/></endpoint>
<endpoint name="C"><wsdl uri="file:nowhere.wsdl" service="S" port="P"/></endpoint>
<endpoint name="D"><wsdl uri="file:bad.wsdl" service="S" port="P"/></endpoint>
<endpoint name="E"><wsdl uri="file:schema.wsdl" service="S" port="P"/></endpoint>
<endpoint name="F"><wsdl key="nothing" service="S" port="P"/></endpoint>
<endpoint name="G"><wsdl uri="file:cart.wsdl" key="x" service="S" port="P"/></endpoint>
<endpoint name="H"><wsdl uri="file:cart.wsdl" port="CartPort"/></endpoint>
<endpoint name="I"><wsdl uri="ftp://host/x.wsdl" service="S" port="P"/></endpoint>
<sequence name="main"><send><endpoint key="A"/></send></sequence>
</definitions>`,
  });
  t.deepEqual(got.errors, [
    'synapse.xml:2:20 MOOR_ERR_WSDL the WSDL cart.wsdl: has no service "Cart" (it has "CartService")',
    'synapse.xml:3:20 MOOR_ERR_WSDL the WSDL cart.wsdl: service "CartService" has no port "CartSoap" (it has "CartPort", "CartSoap12Port")',
    'synapse.xml:4:20 MOOR_ERR_WSDL cannot read the WSDL nowhere.wsdl: ENOENT',
    'synapse.xml:5:20 MOOR_ERR_WSDL the WSDL bad.wsdl is not well-formed XML (at 3:1): Expected closing tag \'service\' (opened in line 2, col 3) instead of closing tag \'definitions\'.',
    'synapse.xml:6:20 MOOR_ERR_WSDL the WSDL schema.wsdl: its root is <schema> in "http://www.w3.org/2001/XMLSchema", not a WSDL 1.1 <definitions> nor a WSDL 2.0 <description>',
    'synapse.xml:7:20 MOOR_ERR_UNRESOLVED_KEY <wsdl key="nothing"> names no local entry, nor a registry resource (conf:/…, gov:/…)',
    'synapse.xml:8:20 MOOR_ERR_BAD_VALUE <wsdl> has uri= and key=: give one of uri=, key= or an inline WSDL',
    'synapse.xml:9:20 MOOR_ERR_MISSING_ATTRIBUTE <wsdl> needs the attribute service',
    'synapse.xml:10:20 MOOR_ERR_BAD_VALUE <wsdl uri="ftp://host/x.wsdl"> is not a file:, http: or https: URL',
  ]);
});

test('an http WSDL that cannot be fetched (refused, 404) is a configuration error at the <wsdl>, not a crash', async (t) => {
  const closed = await freePort();
  const { url, server } = await serve(() => ({ status: 404, body: 'no' }));
  t.teardown(() => server.close());
  const got = await load({
    'synapse.xml': `<definitions ${SYN}>
<endpoint name="A"><wsdl uri="http://127.0.0.1:${closed}/x?wsdl" service="S" port="P"/></endpoint>
<endpoint name="B"><wsdl uri="${url}/y?wsdl" service="S" port="P"/></endpoint>
</definitions>`,
  });
  t.deepEqual(got.errors, [
    `synapse.xml:2:20 MOOR_ERR_WSDL cannot fetch the WSDL at http://127.0.0.1:${closed}/x?wsdl: ECONNREFUSED`,
    `synapse.xml:3:20 MOOR_ERR_WSDL cannot fetch the WSDL at ${url}/y?wsdl: it answered HTTP 404`,
  ]);
});

test('an HTTP-binding port and a non-http address are refused as unsupported; format= that the WSDL overrides is warned', async (t) => {
  const defs = (address: string) => `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" targetNamespace="urn:x"><wsdl:service name="S"><wsdl:port name="P" binding="b">${address}</wsdl:port></wsdl:service></wsdl:definitions>`;
  const got = await load({
    'synapse.xml': `<definitions ${SYN}>
<endpoint name="A"><wsdl service="S" port="P">${defs('<http:address location="http://127.0.0.1:1/rest"/>')}</wsdl></endpoint>
<endpoint name="B"><wsdl service="S" port="P">${defs('<soap:address location="jms:/Queue?x=y"/>')}</wsdl></endpoint>
<endpoint name="C"><wsdl service="S" port="P" format="soap12">${defs('<soap:address location="http://127.0.0.1:1/c"/>')}</wsdl></endpoint>
</definitions>`,
  });
  t.deepEqual(got.errors, [
    'synapse.xml:2:20 MOOR_ERR_UNSUPPORTED the inline WSDL: port "P" is an HTTP binding (http:address): WSO2 sends it as REST or GET, which moor does not (it forwards SOAP)',
    'synapse.xml:3:20 MOOR_ERR_UNSUPPORTED the inline WSDL: port "P"\'s address "jms:/Queue?x=y" is not an http(s) URL, the only transport moor sends on',
  ]);
  t.deepEqual(got.warnings, ['synapse.xml:4:20 MOOR_WARN_NO_EFFECT format="soap12" has no effect: the WSDL\'s port "P" (soap:address) makes the endpoint soap11, as in WSO2']);
  t.like(address(got.config, 'C'), { format: 'soap11', uri: 'http://127.0.0.1:1/c' });
});

test('a <wsdl> endpoint that is itself a registry resource, or a src= local entry\'s file, is read too (relative to its own file)', async (t) => {
  const got = await load({
    'registry/conf/endpoints/cart.xml': `<endpoint ${SYN} name="display"><wsdl uri="file:cart.wsdl" service="CartService" port="CartPort"/></endpoint>`,
    'registry/conf/endpoints/cart.wsdl': await cartWsdl('http://127.0.0.1:8201/reg'),
    'entries/ep.xml': `<endpoint ${SYN}><wsdl uri="file:entry.wsdl" service="CartService" port="CartSoap12Port"/></endpoint>`,
    'entries/entry.wsdl': await cartWsdl('http://127.0.0.1:8202/x', 'http://127.0.0.1:8203/entry12'),
    'synapse.xml': `<definitions ${SYN}>
  <localEntry key="EntryEp" src="file:entries/ep.xml"/>
  <sequence name="main"><send><endpoint key="conf:/endpoints/cart.xml"/></send><send><endpoint key="EntryEp"/></send></sequence>
</definitions>`,
  });
  t.deepEqual(got.errors, []);
  t.like(address(got.config, 'conf:/endpoints/cart.xml'), { uri: 'http://127.0.0.1:8201/reg', format: 'soap11' });
  t.like(address(got.config, 'EntryEp'), { uri: 'http://127.0.0.1:8203/entry12', format: 'soap12' });
});
