/**
 * An HTTPS backend, as a user runs one (the real `moor start`, a real node:https SOAP service with the
 * fixture certificate, test/fixtures/tls): moor checks the backend's certificate against Node's CA
 * store, so a backend whose certificate is self-signed or from a private CA is not reached (the client
 * gets the unreachable fault, the log says why), and is once its CA is given with NODE_EXTRA_CA_CERTS
 * (docs/endpoints.md, HTTPS backends).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { configDir, definitions, post, soap11 } from '../helpers/gateway.ts';
import { startMoor } from '../helpers/processes.ts';
import { CERT1, KEY1 } from '../helpers/tls.ts';
import { proxy } from '../mediators/soap-backend.ts';

const ANSWER = soap11('<o:Done xmlns:o="urn:orders">over TLS</o:Done>');

/** A SOAP service on https://127.0.0.1:PORT with the fixture certificate, answering every POST with ANSWER. */
async function httpsBackend(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer({ cert: await readFile(CERT1), key: await readFile(KEY1) }, (req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(ANSWER));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/services/Orders`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const order = soap11('<o:Place xmlns:o="urn:orders"><o:id>1</o:id></o:Place>');

test('an HTTPS backend whose certificate Node does not trust: the client gets the unreachable fault, the log names the certificate problem, the backend sees nothing', async (t) => {
  const backend = await httpsBackend();
  t.teardown(() => backend.close());
  const gw = await startMoor(await configDir({ 'p.xml': definitions(proxy('Orders', { uri: backend.url })) }), [], { NODE_EXTRA_CA_CERTS: '' });
  t.teardown(() => gw.kill());
  const res = await post(`${gw.url}/services/Orders`, order);
  t.is(res.status, 500);
  t.is(res.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_UNREACHABLE');
  t.regex(res.text, /<faultstring>endpoint anonymous is unreachable<\/faultstring>/, 'the detail stays out of the client\'s fault');
  t.notRegex(res.text, /certificate/);
  t.is(backend.requests(), 0);
  t.regex(gw.output(), /WARN \[server\] POST \/services\/Orders: endpoint anonymous is unreachable \(self[- ]signed certificate\)/);
});

test('NODE_EXTRA_CA_CERTS naming the backend\'s CA: the request goes through over TLS', async (t) => {
  const backend = await httpsBackend();
  t.teardown(() => backend.close());
  const gw = await startMoor(await configDir({ 'p.xml': definitions(proxy('Orders', { uri: backend.url })) }), [], { NODE_EXTRA_CA_CERTS: CERT1 });
  t.teardown(() => gw.kill());
  const res = await post(`${gw.url}/services/Orders`, order);
  t.is(res.status, 200, res.text);
  t.regex(res.text, /<o:Done xmlns:o="urn:orders">over TLS<\/o:Done>/);
  t.is(backend.requests(), 1);
});
