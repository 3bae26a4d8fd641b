/**
 * REST APIs end to end: a real gateway with <api> artifacts in front of real HTTP backends on loopback.
 * What a REST client sees: resources matched as WSO2 matches them, JSON passed through unchanged, POX
 * carried as XML (mediators read it), GET turned into a backend call, WSO2's empty 404/405, and the
 * hardened edge (size limit, DOCTYPE) applied to API requests too.
 */
import test from 'ava';
import { request } from 'undici';
import { startEchoBackend } from '../helpers/echo-backend.ts';
import { definitions, startGateway } from '../helpers/gateway.ts';
import { type RestBackend, startRestBackend } from '../helpers/rest-backend.ts';

async function call(url: string, method: string, body?: string, headers: Record<string, string> = {}) {
  const res = await request(url, { method: method as 'GET', ...(body !== undefined ? { body } : {}), headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function ordersApi(backend: RestBackend, extra = ''): string {
  return definitions(`
    <api name="Orders" context="/orders">
      <resource methods="GET" uri-template="/{id}?verbose={v}">
        <inSequence>
          <header name="X-Order" scope="transport" expression="get-property('uri.var.id')"/>
          <header name="X-Verbose" scope="transport" expression="get-property('query.param.verbose')"/>
          <send><endpoint><address uri="${backend.url}/backend"/></endpoint></send>
        </inSequence>
      </resource>
      <resource methods="GET DELETE" uri-template="/{id}">
        <inSequence><send><endpoint><address uri="${backend.url}/backend"/></endpoint></send></inSequence>
      </resource>
      <resource methods="POST" url-mapping="/json">
        <inSequence><send><endpoint><address uri="${backend.url}/backend"/></endpoint></send></inSequence>
      </resource>
      <resource methods="POST" url-mapping="/pox">
        <inSequence>
          <filter xpath="//id = '7'"><then><header name="X-Seven" scope="transport" value="yes"/></then></filter>
          <send><endpoint><address uri="${backend.url}/backend"/></endpoint></send>
        </inSequence>
        <outSequence>
          <header name="X-Reply-Total" scope="transport" expression="//total"/>
          <send/>
        </outSequence>
      </resource>
      <resource methods="POST" url-mapping="/log">
        <inSequence><log level="full"/><send><endpoint><address uri="${backend.url}/backend"/></endpoint></send></inSequence>
      </resource>
      <resource methods="GET" url-mapping="/lookup/*">
        <inSequence>
          <payloadFactory><format><lookup xmlns=""><key>$1</key></lookup></format><args><arg expression="get-property('REST_SUB_REQUEST_PATH')"/></args></payloadFactory>
          <property name="HTTP_METHOD" scope="axis2" value="POST"/>
          <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
          <send><endpoint><address uri="${backend.url}/lookups"/></endpoint></send>
        </inSequence>
      </resource>
    </api>${extra}`);
}

test('GET with a uri-template: the backend gets the path below the context and the variables; the JSON answer comes back unchanged', async (t) => {
  const backend = await startRestBackend();
  const gw = await startGateway({ 'api.xml': ordersApi(backend) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const r = await call(`${gw.url}/orders/42?verbose=yes`, 'GET');
  t.is(r.status, 200);
  t.regex(String(r.headers['content-type']), /application\/json/);
  const echoed = JSON.parse(r.text) as { method: string; url: string; body: string };
  t.deepEqual(echoed, { backend: 'rest', method: 'GET', url: '/backend/42?verbose=yes', body: '' });
  t.is(backend.calls[0]!.headers['x-order'], '42', 'uri.var.id');
  t.is(backend.calls[0]!.headers['x-verbose'], 'yes', 'query.param.verbose');
  t.is(backend.calls[0]!.headers['content-length'] ?? '0', '0', 'a GET goes without a body');

  // without the query the first template does not match: the second resource takes it (in the order written)
  const plain = await call(`${gw.url}/orders/43`, 'DELETE');
  t.is(plain.status, 200);
  t.is(backend.calls[1]!.method, 'DELETE');
  t.is(backend.calls[1]!.url, '/backend/43');
  t.is(backend.calls[1]!.headers['x-order'], undefined);
});

test('JSON is passed through unchanged both ways, also when a mediator read it as XML; text a mediator needs as XML is 415 MOOR_ERR_NOT_XML', async (t) => {
  const backend = await startRestBackend('json', (c) => ({ contentType: 'application/json; charset=utf-8', body: `{"got":${c.body},"n":[1,2,3]}` }));
  const gw = await startGateway({ 'api.xml': ordersApi(backend) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const json = '{ "order" : { "id": 7, "items": ["a", "b"] } }';
  const r = await call(`${gw.url}/orders/json`, 'POST', json, { 'content-type': 'application/json' });
  t.is(r.status, 200);
  t.is(backend.calls[0]!.body, json, 'the backend got the very bytes the client sent');
  t.is(backend.calls[0]!.headers['content-type'], 'application/json');
  t.is(backend.calls[0]!.url, '/backend/json');
  t.is(r.text, `{"got":${json},"n":[1,2,3]}`);

  // a mediator that needs XML reads it as WSO2 does (<jsonObject>…); unchanged, it still goes on as it came
  const logged = await call(`${gw.url}/orders/log`, 'POST', json, { 'content-type': 'application/json' });
  t.is(logged.status, 200);
  t.is(backend.calls[1]!.body, json);
  t.is(backend.calls[1]!.headers['content-type'], 'application/json');
  const text = await call(`${gw.url}/orders/log`, 'POST', 'plain words', { 'content-type': 'text/plain' });
  t.is(text.status, 415);
  t.is(text.headers['x-moor-error'], 'MOOR_ERR_NOT_XML');
  t.is(backend.calls.length, 2, 'nothing was sent on');
});

test('POX is carried as XML: XPath reads it, the backend gets it without an envelope, the XML answer comes back as POX', async (t) => {
  const backend = await startRestBackend('pox', () => ({ contentType: 'application/xml', body: '<?xml version="1.0"?><receipt><total>12.50</total></receipt>' }));
  const gw = await startGateway({ 'api.xml': ordersApi(backend) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const r = await call(`${gw.url}/orders/pox`, 'POST', '<?xml version="1.0" encoding="UTF-8"?>\n<order><id>7</id></order>', { 'content-type': 'application/xml' });
  t.is(r.status, 200);
  t.is(backend.calls[0]!.headers['x-seven'], 'yes', 'the filter read //id of the POX payload');
  t.is(backend.calls[0]!.body, '\n<order><id>7</id></order>', 'the payload without its XML declaration, and no envelope');
  t.is(r.headers['x-reply-total'], '12.50', 'the out sequence read the POX reply');
  t.is(r.text, '<receipt><total>12.50</total></receipt>');
  t.regex(String(r.headers['content-type']), /application\/xml/);
});

test('a GET turned into a POST of a payload the in sequence built (payloadFactory, HTTP_METHOD, REST_URL_POSTFIX removed)', async (t) => {
  const backend = await startRestBackend('lookup', (c) => ({ contentType: 'application/xml', body: `<found>${c.body.length}</found>` }));
  const gw = await startGateway({ 'api.xml': ordersApi(backend) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const r = await call(`${gw.url}/orders/lookup/abc`, 'GET');
  t.is(r.status, 200);
  const c = backend.calls[0]!;
  t.is(c.method, 'POST');
  t.is(c.url, '/lookups', 'REST_URL_POSTFIX removed: the address alone');
  t.regex(c.body, /^<lookup(?: xmlns="")?><key>\/lookup\/abc<\/key><\/lookup>$/);
  t.regex(String(c.headers['content-type']), /application\/xml/);
  t.is(r.text, `<found>${c.body.length}</found>`);
});

test('a SOAP backend behind a GET resource: format="soap11" sends the built payload as a SOAP envelope', async (t) => {
  const soap = await startEchoBackend();
  const gw = await startGateway({
    'api.xml': definitions(`
      <api name="Quotes" context="/quotes" version="1.0" version-type="url">
        <resource methods="GET" uri-template="/view/{symbol}">
          <inSequence>
            <payloadFactory><format><m:getQuote xmlns:m="urn:q"><m:symbol>$1</m:symbol></m:getQuote></format><args><arg expression="get-property('uri.var.symbol')"/></args></payloadFactory>
            <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
            <send><endpoint><address uri="${soap.url}" format="soap11"/></endpoint></send>
          </inSequence>
          <outSequence><send/></outSequence>
        </resource>
      </api>`),
  });
  t.teardown(async () => {
    await gw.close();
    await soap.close();
  });
  const r = await call(`${gw.url}/quotes/1.0/view/IBM`, 'GET');
  t.is(r.status, 200);
  const sent = soap.received[0]!.body.toString();
  t.regex(sent, /^<soapenv:Envelope [^>]*><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM<\/m:symbol><\/m:getQuote><\/soapenv:Body><\/soapenv:Envelope>$/);
  t.regex(String(soap.received[0]!.headers['content-type']), /text\/xml/);
  t.regex(r.text, /<r:Echoed/, 'the SOAP answer (text/xml) goes back as SOAP');
  // the version is part of the path: without it, no API takes the request
  const unversioned = await call(`${gw.url}/quotes/view/IBM`, 'GET');
  t.not(unversioned.status, 200);
});

test('no resource for the path: 404; a resource without the method: 405 with Allow; OPTIONS: the methods; both with empty bodies as WSO2', async (t) => {
  const backend = await startRestBackend();
  const gw = await startGateway({ 'api.xml': ordersApi(backend) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const missing = await call(`${gw.url}/orders/json/deeper/than/any`, 'POST', '{}', { 'content-type': 'application/json' });
  t.is(missing.status, 404);
  t.is(missing.text, '');
  const wrongMethod = await call(`${gw.url}/orders/42`, 'PUT', '{}', { 'content-type': 'application/json' });
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.text, '');
  t.is(wrongMethod.headers.allow, 'GET, DELETE');
  const options = await call(`${gw.url}/orders/json`, 'OPTIONS');
  t.is(options.status, 200);
  t.is(options.headers.allow, 'POST');
  t.is(backend.calls.length, 0);
});

test('the hardened edge holds for API requests: a DOCTYPE is refused (400), an announced oversize is 413, the backend sees neither', async (t) => {
  const backend = await startRestBackend();
  const gw = await startGateway({ 'api.xml': ordersApi(backend) }, { limits: { maxMessageBytes: 4096 } });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const doctype = await call(`${gw.url}/orders/pox`, 'POST', '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY a "aaaa">]><order>&a;</order>', { 'content-type': 'application/xml' });
  t.is(doctype.status, 400);
  t.is(doctype.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE');
  const big = await call(`${gw.url}/orders/json`, 'POST', `{"pad":"${'x'.repeat(5000)}"}`, { 'content-type': 'application/json' });
  t.is(big.status, 413);
  t.is(backend.calls.length, 0);
});

test('json-eval() reads a JSON payload and payloadFactory media-type="json" writes one; malformed JSON that is read is 400 MOOR_ERR_MALFORMED_JSON', async (t) => {
  const backend = await startRestBackend('json');
  const gw = await startGateway({
    'api.xml': definitions(`
      <api name="Carts" context="/carts">
        <resource methods="POST" url-mapping="/*">
          <inSequence>
            <property name="customer" expression="json-eval($.order.customer.name)"/>
            <header name="X-First-Item" scope="transport" expression="json-eval($.order.items[0].sku)"/>
            <header name="X-Skus" scope="transport" expression="json-eval($..sku)"/>
            <payloadFactory media-type="json">
              <format>{"who": "$1", "count": $2, "lines": $3}</format>
              <args>
                <arg expression="get-property('customer')"/>
                <arg expression="json-eval($.order.count)"/>
                <arg evaluator="json" expression="json-eval($.order.items)"/>
              </args>
            </payloadFactory>
            <send><endpoint><address uri="${backend.url}/orders"/></endpoint></send>
          </inSequence>
        </resource>
      </api>`),
  });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const order = { order: { customer: { name: 'Ann "A" Lee' }, count: 2, items: [{ sku: 'a1' }, { sku: 'b2' }] } };
  const r = await call(`${gw.url}/carts/new`, 'POST', JSON.stringify(order), { 'content-type': 'application/json' });
  t.is(r.status, 200, r.text);
  const c = backend.calls[0]!;
  t.is(c.headers['x-first-item'], 'a1');
  t.is(c.headers['x-skus'], '["a1","b2"]', 'several results: a JSON array');
  t.regex(String(c.headers['content-type']), /application\/json/);
  t.deepEqual(JSON.parse(c.body), { who: 'Ann "A" Lee', count: 2, lines: [{ sku: 'a1' }, { sku: 'b2' }] }, 'a quoted value is escaped, a bare one goes as it is');

  const broken = await call(`${gw.url}/carts/new`, 'POST', '{"order": ', { 'content-type': 'application/json' });
  t.is(broken.status, 400);
  t.is(broken.headers['x-moor-error'], 'MOOR_ERR_MALFORMED_JSON');
  t.is(backend.calls.length, 1);
});
