/**
 * moor as a library: the package's entry point (src/index.ts) starts a real gateway that answers SOAP.
 * test/package/packed.test.ts imports 'moor' itself, from the packed tarball, as an application does.
 */
import test from 'ava';
import { request } from 'undici';
import { type ConfigError, ConfigErrors, ERROR_CODES, type ErrorCode, Gateway, MemoryStore } from '../src/index.ts';
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

test("import 'moor': a <class> mediator using MediatorContext only runs, and a broken configuration is ConfigErrors at file:line:col", async (t) => {
  // the module as a user writes it: only what MediatorContext offers (test/package/packed.test.ts
  // compiles one against the shipped declarations)
  const dir = await configDir({
    'tag.mjs': `export default { mediate(msg) { msg.setEnvelope('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><tag>' + msg.direction + ':' + msg.version + ':' + msg.properties.get('who') + '</tag></s:Body></s:Envelope>'); return 'continue'; } };`,
    'echo.xml': definitions('<proxy name="Echo"><target><inSequence><property name="who" value="me"/><class name="./tag.mjs"/><respond/></inSequence></target></proxy>'),
  });
  const gw = await Gateway.start({ config: dir, port: 0, host: '127.0.0.1', logger: silentLogger() });
  t.teardown(() => gw.close());
  const res = await request(`${gw.url}/services/Echo`, { method: 'POST', body: soap11('<e:Ping xmlns:e="urn:e"/>'), headers: { 'content-type': 'text/xml; charset=utf-8' } });
  t.is(res.statusCode, 200);
  t.regex(await res.body.text(), /<tag>request:1\.1:me<\/tag>/);

  const broken = await configDir({ 'bad.xml': definitions('<proxy name="P"><target><inSequence><nosuch/></inSequence></target></proxy>') });
  const e = await t.throwsAsync(Gateway.start({ config: broken, port: 0, host: '127.0.0.1', logger: silentLogger() }));
  t.true(e instanceof ConfigErrors);
  const first: ConfigError = (e as ConfigErrors).errors[0]!;
  const code: ErrorCode = first.code;
  t.is(code, 'MOOR_ERR_UNKNOWN_MEDIATOR');
  t.is(ERROR_CODES[code].kind, 'config');
  t.regex(`${first.loc.file}:${first.loc.line}:${first.loc.col}`, /bad\.xml:1:\d+$/);
});
