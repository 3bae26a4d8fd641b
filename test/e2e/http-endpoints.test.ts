/**
 * `<http>` endpoints end to end: a real gateway sends through undici to real backends on loopback, with
 * the URL made from the message's uri.var.* / query.param.* properties and the endpoint's own method;
 * the failure policy of <address> holds (a refused connection suspends it); a proxy can use one too.
 */
import { createServer } from 'node:net';
import test from 'ava';
import { request } from 'undici';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startRestBackend } from '../helpers/rest-backend.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function call(url: string, method: string, body?: string, headers: Record<string, string> = {}) {
  const res = await request(url, { method: method as 'GET', ...(body !== undefined ? { body } : {}), headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('an API resource calls an <http> endpoint: template variables %-encoded, {+path} kept, the endpoint\'s method, no REST_URL_POSTFIX', async (t) => {
  const backend = await startRestBackend('items');
  const gw = await startGateway({
    'api.xml': definitions(`
      <endpoint name="Item"><http uri-template="${backend.url}/items/{uri.var.id}{?query.param.color}" method="get"/></endpoint>
      <endpoint name="Files"><http uri-template="${backend.url}/files/{+uri.var.path}" method="PUT"/></endpoint>
      <api name="Shop" context="/shop">
        <resource methods="POST" uri-template="/items/{id}"><inSequence><send><endpoint key="Item"/></send></inSequence></resource>
        <resource methods="POST" uri-template="/files/{+path}"><inSequence><send><endpoint key="Files"/></send></inSequence></resource>
      </api>`),
  });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const r = await call(`${gw.url}/shop/items/a%20b?color=dark%20red&size=9`, 'POST', '{"x":1}', { 'content-type': 'application/json' });
  t.is(r.status, 200);
  t.is(backend.calls[0]!.method, 'GET', 'method="get" wins over the request\'s POST');
  t.is(backend.calls[0]!.url, '/items/a%20b?color=dark%20red', 'only the template, no REST_URL_POSTFIX, variables %-encoded');
  t.is(backend.calls[0]!.body, '', 'a GET goes without a body');

  const f = await call(`${gw.url}/shop/files/x/y.txt`, 'POST', '{"data":2}', { 'content-type': 'application/json' });
  t.is(f.status, 200);
  t.is(backend.calls[1]!.method, 'PUT');
  t.is(backend.calls[1]!.url, '/files/x/y.txt');
  t.is(backend.calls[1]!.body, '{"data":2}', 'the JSON payload as it came');
});

test('a proxy sends its SOAP message through an <http> endpoint with method="put"; a variable set by <property> fills the template', async (t) => {
  const backend = await startRestBackend('soap', () => ({ contentType: 'text/xml', body: soap11('<ok/>') }));
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="Put"><target>
        <inSequence>
          <property name="uri.var.key" expression="//*[local-name()='key']"/>
          <send><endpoint><http uri-template="${backend.url}/store/{uri.var.key}" method="put"/></endpoint></send>
        </inSequence>
        <outSequence><send/></outSequence>
      </target></proxy>`),
  });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const envelope = soap11('<k:put xmlns:k="urn:k"><k:key>alpha</k:key></k:put>');
  const r = await post(`${gw.url}/services/Put`, envelope);
  t.is(r.status, 200);
  t.regex(r.text, /<ok\/>/);
  t.is(backend.calls[0]!.method, 'PUT');
  t.is(backend.calls[0]!.url, '/store/alpha');
  t.is(backend.calls[0]!.body, envelope, 'the envelope as it came');
});

test('the failure policy of <address> applies: a refused connection suspends the <http> endpoint, the next request is not sent', async (t) => {
  const port = await closedPort();
  const gw = await startGateway({
    'api.xml': definitions(`
      <api name="Down" context="/down">
        <resource methods="GET" uri-template="/{id}"><inSequence><send><endpoint name="Gone">
          <http uri-template="http://127.0.0.1:${port}/x/{uri.var.id}" method="get">
            <suspendOnFailure><initialDuration>60000</initialDuration></suspendOnFailure>
          </http>
        </endpoint></send></inSequence></resource>
      </api>`),
  });
  t.teardown(() => gw.close());
  const first = await call(`${gw.url}/down/1`, 'GET');
  t.is(first.status, 500);
  t.is(first.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_UNREACHABLE');
  t.regex(first.text, /endpoint Gone is unreachable/);
  const second = await call(`${gw.url}/down/2`, 'GET');
  t.is(second.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_UNREACHABLE');
  t.regex(second.text, /endpoint Gone is suspended/);
});
