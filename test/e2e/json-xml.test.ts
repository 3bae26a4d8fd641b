/**
 * JSON payloads as WSO2 handles them, end to end: a real gateway with an <api> in front of real
 * backends on loopback. JSON read as XML where a mediator needs it (<filter> XPath, <log level="full">),
 * sent to a SOAP backend as the envelope of its XML, the backend's SOAP answer returned to the client as
 * JSON by messageType; JSON passed on unchanged while nothing changed it; json-eval() over XML; hostile
 * JSON faulted.
 */
import test from 'ava';
import { request } from 'undici';
import { definitions, startGateway } from '../helpers/gateway.ts';
import { capturingLogger } from '../helpers/log.ts';
import { type RestBackend, startRestBackend } from '../helpers/rest-backend.ts';

async function call(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await request(url, { method: 'POST', body, headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const QUOTE_ANSWER =
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<m:orderResponse xmlns:m="urn:orders"><m:status>accepted</m:status><m:lines>2</m:lines><m:line sku="a">first</m:line><m:line sku="b">second</m:line><m:code>007</m:code><m:note/></m:orderResponse>' +
  '</soapenv:Body></soapenv:Envelope>';

function api(soap: RestBackend, rest: RestBackend): string {
  return definitions(`
    <api name="Orders" context="/orders">
      <resource methods="POST" url-mapping="/soap">
        <inSequence>
          <filter xpath="//order/id = 7"><then><header name="X-Seven" scope="transport" value="yes"/></then></filter>
          <log level="full"/>
          <send><endpoint><address uri="${soap.url}/soap" format="soap11"/></endpoint></send>
        </inSequence>
        <outSequence>
          <property name="messageType" value="application/json" scope="axis2"/>
          <send/>
        </outSequence>
      </resource>
      <resource methods="POST" url-mapping="/rest">
        <inSequence>
          <filter xpath="//order/id = 7"><then><header name="X-Seven" scope="transport" value="yes"/></then></filter>
          <send><endpoint><address uri="${rest.url}/rest"/></endpoint></send>
        </inSequence>
      </resource>
      <resource methods="POST" url-mapping="/changed">
        <inSequence>
          <payloadFactory><format><jsonObject xmlns=""><id>$1</id><tag>x</tag></jsonObject></format><args><arg expression="//order/id"/></args></payloadFactory>
          <send><endpoint><address uri="${rest.url}/rest"/></endpoint></send>
        </inSequence>
      </resource>
      <resource methods="POST" url-mapping="/plain">
        <inSequence><send><endpoint><address uri="${rest.url}/rest"/></endpoint></send></inSequence>
      </resource>
      <resource methods="POST" url-mapping="/typed">
        <inSequence>
          <property name="ContentType" value="application/vnd.orders+json" scope="axis2"/>
          <respond/>
        </inSequence>
      </resource>
      <resource methods="POST" url-mapping="/pox">
        <inSequence>
          <header name="X-Id" scope="transport" expression="json-eval($.order.id)"/>
          <property name="messageType" value="application/json" scope="axis2"/>
          <property name="ContentType" value="application/vnd.orders+json" scope="axis2"/>
          <send><endpoint><address uri="${rest.url}/rest"/></endpoint></send>
        </inSequence>
      </resource>
    </api>`);
}

async function setup(t: import('ava').ExecutionContext, limits?: { maxParseBytes: number }) {
  const soap = await startRestBackend('soap', () => ({ contentType: 'text/xml; charset=utf-8', body: QUOTE_ANSWER }));
  const rest = await startRestBackend('rest', () => ({ contentType: 'application/json', body: '{"ok":true}' }));
  const { log, lines } = capturingLogger();
  const gw = await startGateway({ 'api.xml': api(soap, rest) }, { logger: log, ...(limits ? { limits } : {}) });
  t.teardown(async () => {
    await gw.close();
    await soap.close();
    await rest.close();
  });
  return { soap, rest, gw, lines };
}

test('JSON in: XPath and <log level="full"> read it as <jsonObject>, a SOAP backend gets its XML; the SOAP answer goes back as JSON', async (t) => {
  const { soap, gw, lines } = await setup(t);
  const r = await call(`${gw.url}/orders/soap`, '{"order":{"id":7,"items":["a","b"],"1st":true,"note":null}}');
  t.is(r.status, 200);
  const got = soap.calls[0]!;
  t.is(got.headers['x-seven'], 'yes', 'the filter read id 7 from the JSON');
  t.regex(String(got.headers['content-type']), /^text\/xml/);
  t.is(
    got.body,
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
      '<jsonObject><order><id>7</id><items>a</items><items>b</items><_JsonReader_PD_1st>true</_JsonReader_PD_1st><note></note></order></jsonObject>' +
      '</soapenv:Body></soapenv:Envelope>',
  );
  t.true(lines.some((l) => l.includes('<jsonObject><order><id>7</id>')), 'the full log shows the payload as XML');
  // the answer: root kept, namespaces dropped, repeated siblings an array, attributes @, numbers and "007" as WSO2 writes them
  t.regex(String(r.headers['content-type']), /^application\/json/);
  t.deepEqual(JSON.parse(r.text), { orderResponse: { status: 'accepted', lines: 2, line: [{ '@sku': 'a', $: 'first' }, { '@sku': 'b', $: 'second' }], code: '007', note: null } });
});

test('JSON read as XML but unchanged goes on byte for byte; changed, it goes as WSO2 writes its XML as JSON', async (t) => {
  const { rest, gw } = await setup(t);
  const json = '{ "order" : { "id" : 7, "big" : 123456789012345678901234567890 } }';
  const r = await call(`${gw.url}/orders/rest`, json);
  t.is(r.status, 200);
  t.is(r.text, '{"ok":true}');
  t.is(rest.calls[0]!.headers['x-seven'], 'yes');
  t.is(rest.calls[0]!.body, json, 'the very bytes the client sent');
  t.is(rest.calls[0]!.headers['content-type'], 'application/json');

  const changed = await call(`${gw.url}/orders/changed`, json);
  t.is(changed.status, 200);
  t.is(rest.calls[1]!.body, '{"id":7,"tag":"x"}');
  t.is(rest.calls[1]!.headers['content-type'], 'application/json');
});

test('json-eval() reads a POX payload by WSO2\'s rules; messageType application/json sends it as JSON with the ContentType property\'s type', async (t) => {
  const { rest, gw } = await setup(t);
  const r = await call(`${gw.url}/orders/pox`, '<order xmlns="urn:o"><id>5</id><id>6</id><name>n</name></order>', { 'content-type': 'application/xml' });
  t.is(r.status, 200);
  t.is(rest.calls[0]!.headers['x-id'], '[5,6]');
  t.is(rest.calls[0]!.body, '{"order":{"id":[5,6],"name":"n"}}');
  t.is(rest.calls[0]!.headers['content-type'], 'application/vnd.orders+json');
  // back to the API client too: the JSON as it came, with the property's type
  const typed = await call(`${gw.url}/orders/typed`, '{"a":1}');
  t.is(typed.text, '{"a":1}');
  t.is(typed.headers['content-type'], 'application/vnd.orders+json');
});

test('hostile JSON a mediator needs as XML is a clear fault and nothing is sent; nobody reading it, it passes as it came', async (t) => {
  const { soap, rest, gw } = await setup(t);
  const dup = await call(`${gw.url}/orders/soap`, '{"order":{"id":7,"id":8}}');
  t.is(dup.status, 400);
  t.is(dup.headers['x-moor-error'], 'MOOR_ERR_JSON_TO_XML');
  const deep = await call(`${gw.url}/orders/soap`, `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
  t.is(deep.status, 413);
  t.is(deep.headers['x-moor-error'], 'MOOR_ERR_MESSAGE_TOO_LARGE');
  const scalar = await call(`${gw.url}/orders/soap`, '"text"');
  t.is(scalar.headers['x-moor-error'], 'MOOR_ERR_JSON_TO_XML');
  const broken = await call(`${gw.url}/orders/soap`, '{"order":');
  t.is(broken.status, 400);
  t.is(broken.headers['x-moor-error'], 'MOOR_ERR_MALFORMED_JSON');
  const proto = await call(`${gw.url}/orders/soap`, '{"__proto__":{"id":7},"order":{"id":1}}');
  t.is(proto.status, 200);
  t.true(soap.calls.at(-1)!.body.includes('<jsonObject><__proto__><id>7</id></__proto__>'));
  t.is(soap.calls.length, 1, 'only the last was sent');
  t.is(rest.calls.length, 0);
});

test('the conversion is lazy: JSON nobody reads as XML is never parsed (past maxParseBytes it still passes); read as XML, the bound holds', async (t) => {
  const { soap, rest, gw } = await setup(t, { maxParseBytes: 2048 });
  const big = JSON.stringify({ order: { id: 7, pad: 'x'.repeat(10_000) } });
  const passed = await call(`${gw.url}/orders/plain`, big);
  t.is(passed.status, 200);
  t.is(rest.calls[0]!.body, big);
  const read = await call(`${gw.url}/orders/soap`, big);
  t.is(read.status, 413);
  t.is(read.headers['x-moor-error'], 'MOOR_ERR_MESSAGE_TOO_LARGE');
  // the XML may outgrow the JSON: bounded as it is written
  const small = JSON.stringify({ n: Array(600).fill(1) });
  t.true(small.length < 2048);
  const grown = await call(`${gw.url}/orders/soap`, small);
  t.is(grown.status, 413);
  t.is(soap.calls.length, 0);
});
