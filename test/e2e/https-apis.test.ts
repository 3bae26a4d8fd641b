/**
 * An `<api transports>` and a `<resource protocol>` with the HTTPS listener on, as a user runs them (the
 * real `moor start --https-port`, a real REST backend, undici trusting the test certificate): each is
 * served on the listener it names only, as WSO2 serves it; on the other listener a resource is not
 * matched (WSO2's empty 404, or 400 when it was the only one with the path and method) and an API is
 * passed over (a shorter context takes the request). Without an HTTPS listener everything is served on
 * the one listener, with the warnings that say so.
 */
import test from 'ava';
import { type Agent, request } from 'undici';
import { configDir, definitions } from '../helpers/gateway.ts';
import { startMoor } from '../helpers/processes.ts';
import { type RestBackend, startRestBackend } from '../helpers/rest-backend.ts';
import { HTTPS_FLAGS, httpsUrlOf, trusting } from '../helpers/tls.ts';

/** A resource that sends to the backend under `/to/<tag>`, so that the backend's echo says which one answered. */
const sending = (backend: RestBackend, tag: string, attrs: string): string =>
  `<resource methods="GET" ${attrs}><inSequence><property name="REST_URL_POSTFIX" scope="axis2" action="remove"/><send><endpoint><address uri="${backend.url}/to/${tag}"/></endpoint></send></inSequence></resource>`;

async function apisConfig(backend: RestBackend): Promise<string> {
  return configDir({
    'apis.xml': definitions(`
      <api name="Shop" context="/shop">
        ${sending(backend, 'secure', 'url-mapping="/secure" protocol="https"')}
        ${sending(backend, 'plain', 'url-mapping="/plain" protocol="http"')}
        ${sending(backend, 'any', 'url-mapping="/any"')}
      </api>
      <api name="Vault" context="/vault">${sending(backend, 'vault', 'protocol="https"')}</api>
      <api name="Private" context="/private" transports="https">${sending(backend, 'private', '')}</api>
      <api name="Public" context="/public" transports="http">${sending(backend, 'public', '')}</api>
      <api name="Rest" context="/">${sending(backend, 'rest', '')}</api>`),
  });
}

/** What a GET of `path` gets: the status, and the backend path that answered it (empty: no backend call). */
async function get(base: string, path: string, agent?: Agent): Promise<string> {
  const res = await request(`${base}${path}`, agent ? { dispatcher: agent } : {});
  const text = await res.body.text();
  const reached = res.statusCode === 200 ? (JSON.parse(text) as { url: string }).url : text;
  return `${res.statusCode} ${reached}`;
}

test('with an HTTPS listener, protocol= and an API\'s transports= keep each to its listener; the other listener gets WSO2\'s no-resource answer, or a shorter context', async (t) => {
  const backend = await startRestBackend();
  t.teardown(() => backend.close());
  const dir = await apisConfig(backend);
  const gw = await startMoor(dir, [...HTTPS_FLAGS]);
  t.teardown(() => gw.kill());
  const https = await httpsUrlOf(gw);
  const agent = await trusting(t);
  const paths = ['/shop/secure', '/shop/plain', '/shop/any', '/vault', '/private', '/public'];
  const over = async (base: string, a?: Agent): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const p of paths) out[p] = await get(base, p, a);
    return out;
  };
  t.deepEqual(
    await over(gw.url),
    {
      '/shop/secure': '404 ',
      '/shop/plain': '200 /to/plain',
      '/shop/any': '200 /to/any',
      // (its one resource has the path and the method, but not this listener: WSO2's 400)
      '/vault': '400 ',
      // (the https-only API is passed over: the context "/" takes it)
      '/private': '200 /to/rest',
      '/public': '200 /to/public',
    },
    'over plain HTTP',
  );
  t.deepEqual(
    await over(https, agent),
    {
      '/shop/secure': '200 /to/secure',
      '/shop/plain': '404 ',
      '/shop/any': '200 /to/any',
      '/vault': '200 /to/vault',
      '/private': '200 /to/private',
      '/public': '200 /to/rest',
    },
    'over HTTPS',
  );
  t.notRegex(gw.output(), /MOOR_WARN_DIFFERENT/, 'no warning: each is served as WSO2 serves it');
  t.is(await gw.stop('SIGTERM'), 0);
});

test('without an HTTPS listener, protocol="https" resources and transports="https" APIs are served on the one listener, each with its warning', async (t) => {
  const backend = await startRestBackend();
  t.teardown(() => backend.close());
  const gw = await startMoor(await apisConfig(backend));
  t.teardown(() => gw.kill());
  t.is(await get(gw.url, '/shop/secure'), '200 /to/secure');
  t.is(await get(gw.url, '/vault'), '200 /to/vault');
  t.is(await get(gw.url, '/private'), '200 /to/private');
  t.is(await get(gw.url, '/shop/plain'), '200 /to/plain');
  const warned = gw.output().split('\n').filter((l) => l.includes('MOOR_WARN_DIFFERENT'));
  t.is(warned.filter((l) => l.includes('protocol="https": WSO2 matches this resource over HTTPS only; moor does so when started with --https-port')).length, 2, warned.join('\n'));
  t.is(warned.filter((l) => l.includes('transports="https": WSO2 serves this API on its HTTPS listener only; moor does so when started with --https-port')).length, 1, warned.join('\n'));
  t.is(warned.length, 3, warned.join('\n'));
  t.is(await gw.stop('SIGTERM'), 0);
});
