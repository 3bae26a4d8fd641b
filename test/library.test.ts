/**
 * moor as a library: the package's entry point (src/index.ts) starts a real gateway that answers SOAP.
 * test/package/packed.test.ts imports 'moor' itself, from the packed tarball, as an application does.
 */
import test from 'ava';
import { request } from 'undici';
import { Gateway, MemoryStore } from '../src/index.ts';
import { silentLogger } from '../src/logging.ts';
import { configDir, definitions, soap11 } from './helpers/gateway.ts';

test("import 'moor': Gateway.start serves a configuration, with a store given by the application", async (t) => {
  const dir = await configDir({ 'echo.xml': definitions('<proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>') });
  const store = new MemoryStore();
  const gw = await Gateway.start({ config: dir, port: 0, host: '127.0.0.1', logger: silentLogger(), store });
  t.teardown(() => gw.close());
  const sent = soap11('<e:Ping xmlns:e="urn:e"/>');
  const res = await request(`${gw.url}/services/Echo`, { method: 'POST', body: sent, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), sent);
  t.is(gw.store, store);
});
