/** Which resource takes a request, as WSO2's dispatchers choose (src/server/api-dispatch.ts). */
import test from 'ava';
import { checkConfig } from '../../src/server/runtime.ts';
import { type ApiRequest, dispatchApi } from '../../src/server/api-dispatch.ts';
import { configDir } from '../helpers/gateway.ts';

async function apis(inner: string) {
  const dir = await configDir({ 'a.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse">${inner}</definitions>` });
  return (await checkConfig(dir)).compiled.apis;
}

const req = (method: string, target: string, more: Partial<ApiRequest> = {}): ApiRequest => ({ method, target, host: '127.0.0.1:8280', contentType: undefined, userAgent: undefined, hasBody: false, ...more });

function which(m: ReturnType<typeof dispatchApi>): string {
  if (!m) return 'no API';
  return m.kind === 'refused' ? String(m.status) : `${m.api.def.name} ${m.resource.def.match?.text ?? 'default'} ${JSON.stringify(Object.fromEntries(m.variables))}`;
}

test('url-mapping before uri-template: exact, then the longest prefix, then extension; templates in the order written; the default last', async (t) => {
  const a = await apis(`<api name="S" context="/shop">
    <resource uri-template="/items/{id}"/>
    <resource uri-template="/items/special"/>
    <resource url-mapping="/items/*"/>
    <resource url-mapping="/items/new/*"/>
    <resource url-mapping="/items/new"/>
    <resource url-mapping="*.json"/>
    <resource uri-template="/files/{+path}"/>
    <resource uri-template="/find?q={q}"/>
    <resource/>
  </api>`);
  t.is(which(dispatchApi(a, req('GET', '/shop/items/new'))), 'S /items/new {}');
  t.is(which(dispatchApi(a, req('GET', '/shop/items/new/x'))), 'S /items/new/* {}');
  t.is(which(dispatchApi(a, req('GET', '/shop/items/7'))), 'S /items/* {}', 'a mapping wins over a template');
  t.is(which(dispatchApi(a, req('GET', '/shop/x.json'))), 'S *.json {}');
  t.is(which(dispatchApi(a, req('GET', '/shop/files/a/b%20c.txt'))), 'S /files/{+path} {"path":"a/b c.txt"}');
  t.is(which(dispatchApi(a, req('GET', '/shop/find?x=1&q=red+shoes'))), 'S /find?q={q} {"q":"red shoes"}');
  t.is(which(dispatchApi(a, req('GET', '/shop/find'))), 'S default {}', 'a template whose query parameter is missing does not match');
  t.is(which(dispatchApi(a, req('GET', '/shop'))), 'S default {}');
  t.is(which(dispatchApi(a, req('GET', '/shopping'))), 'no API', 'a context is matched by whole segments');
});

test('methods, 404 and 405, content-type and hostname', async (t) => {
  const a = await apis(`
    <api name="Root" context="/"><resource methods="GET" url-mapping="/health"/></api>
    <api name="O" context="/orders"><resource methods="GET" uri-template="/{id}"/><resource methods="POST" url-mapping="/" content-type="application/json"/></api>
    <api name="H" context="/orders/archive" hostname="archive.example" port="8280"><resource/></api>`);
  t.is(which(dispatchApi(a, req('GET', '/orders/5'))), 'O /{id} {"id":"5"}');
  t.is(which(dispatchApi(a, req('PUT', '/orders/5'))), '405');
  t.is(which(dispatchApi(a, req('GET', '/orders/5/lines'))), '404');
  t.is(which(dispatchApi(a, req('POST', '/orders', { hasBody: true, contentType: 'application/json; charset=utf-8' }))), 'O / {}');
  t.is(which(dispatchApi(a, req('POST', '/orders', { hasBody: true, contentType: 'application/xml' }))), '400');
  t.is(which(dispatchApi(a, req('GET', '/orders/archive/1', { host: 'archive.example:8280' }))), 'H default {}', 'the longer context is tried first');
  t.is(which(dispatchApi(a, req('GET', '/orders/archive/1'))), '404', 'another host: the archive API does not take it, /orders has no resource for the path');
  t.is(which(dispatchApi(a, req('GET', '/health'))), 'Root /health {}');
});
