/**
 * moor's own settings in the configuration (`<moor:store>`, `<moor:cookieKey>`) and the `--store`
 * flag: parsed, checked with file:line:col, and the configured store really used by `moor start`.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { readConfig } from '../../src/config/load.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, configDir, post, soap11 } from '../helpers/gateway.ts';
import { runMoor, startMoor } from '../helpers/processes.ts';
import { startRedis } from '../helpers/redis.ts';

const MOOR = 'xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"';
const PROXY = (uri: string): string =>
  `<endpoint name="Nodes"><session type="simpleClientSession"/><loadbalance><endpoint name="b1"><address uri="${uri}"/></endpoint></loadbalance></endpoint>` +
  '<proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence><outSequence><send/></outSequence></target></proxy>';

test('<moor:store> and <moor:cookieKey> are read into the settings, next to Synapse artifacts', async (t) => {
  const dir = await configDir({ 'a.xml': `<definitions ${MOOR}><moor:store url="redis://cache:6379/1"/><moor:cookieKey> s3cret-s3cret-s3cret </moor:cookieKey>${PROXY('http://127.0.0.1:1/')}</definitions>` });
  const c = await readConfig(dir);
  t.deepEqual(c.diag.errors.map(String), []);
  t.is(c.settings?.store?.url, 'redis://cache:6379/1');
  t.is(c.settings?.cookieKey?.value, 's3cret-s3cret-s3cret');
  t.is(c.proxies.size, 1);
});

test('a setting given twice, an unknown moor element, an empty key: errors at their place', async (t) => {
  const dir = await configDir({
    'a.xml': `<definitions ${MOOR}>\n  <moor:store url="redis://a"/>\n  <moor:store url="redis://b"/>\n  <moor:stor url="x"/>\n  <moor:cookieKey/>\n  <moor:store/>\n</definitions>`,
  });
  const errors = (await readConfig(dir)).diag.errors.map(String);
  t.true(errors.some((e) => /a\.xml:3:3 MOOR_ERR_DUPLICATE_NAME <moor:store> is already set at .*a\.xml:2:3/.test(e)), errors.join('\n'));
  t.true(errors.some((e) => /a\.xml:4:3 MOOR_ERR_UNKNOWN_ELEMENT <stor> is not allowed in moor settings.*store/.test(e)), errors.join('\n'));
  t.true(errors.some((e) => /a\.xml:5:3 MOOR_ERR_MISSING_ATTRIBUTE <moor:cookieKey> needs the key as its text/.test(e)), errors.join('\n'));
});

test('<moor:admin token>: read; empty, twice, or with another attribute an error at its place', async (t) => {
  const ok = await readConfig(await configDir({ 'a.xml': `<definitions ${MOOR}><moor:admin token="t0k3n"/></definitions>` }));
  t.is(ok.settings?.admin?.token, 't0k3n');
  const dir = await configDir({ 'a.xml': `<definitions ${MOOR}>\n  <moor:admin token=""/>\n  <moor:admin token="a" tokn="b"/>\n  <moor:admin token="c"/>\n</definitions>` });
  const errors = (await readConfig(dir)).diag.errors.map(String);
  t.true(errors.some((e) => /a\.xml:2:3 MOOR_ERR_BAD_VALUE <moor:admin token> is empty/.test(e)), errors.join('\n'));
  t.true(errors.some((e) => /a\.xml:3:3 MOOR_ERR_UNKNOWN_ATTRIBUTE .*tokn/.test(e)), errors.join('\n'));
  t.true(errors.some((e) => /a\.xml:4:3 MOOR_ERR_DUPLICATE_NAME <moor:admin> is already set at .*a\.xml:3:3/.test(e)), errors.join('\n'));
});

test('moor start uses the configured store, and --store wins over it', async (t) => {
  const redis = await startRedis();
  const [backend] = await startBackends(1);
  t.teardown(async () => {
    await backend!.close();
    await redis.stop();
  });
  const dir = await configDir({ 'a.xml': `<definitions ${MOOR}><moor:store url="${redis.url}/3?prefix=cfg:"/>${PROXY(backend!.url)}</definitions>` });
  const raw = new Redis(redis.port, '127.0.0.1', { db: 3 });
  t.teardown(() => raw.disconnect());
  const header = '<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">alice</syn:ClientID>';
  const action = { 'content-type': 'text/xml', soapaction: '"urn:moor:demo:cart/AddItem"' };

  const configured = await startMoor(dir, ['--log-level', 'info']);
  t.teardown(() => configured.kill());
  t.regex(configured.output(), /session store: redis:\/\/127\.0\.0\.1:\d+\/3\?prefix=cfg:/);
  t.is((await post(`${configured.url}/services/Cart`, soap11(addItem('a'), header), action)).status, 200);
  t.regex((await raw.get('cfg:Nodes|alice')) ?? '', /^b1@http/);
  await configured.kill();

  const flagged = await startMoor(dir, ['--store', 'memory', '--log-level', 'info']);
  t.teardown(() => flagged.kill());
  t.regex(flagged.output(), /session store: memory/);
});

test('a bad store URL: exit 2 for the flag, exit 1 with file:line:col for the configuration', async (t) => {
  const dir = await configDir({ 'a.xml': `<definitions ${MOOR}>\n<moor:store url="redis://h/x"/>${PROXY('http://127.0.0.1:1/')}</definitions>` });
  const flag = await runMoor(['start', '--config', dir, '--port', '0', '--store', 'mysql://h']);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /--store: "mysql:\/\/h" is not a store URL/);
  const configured = await runMoor(['start', '--config', dir, '--port', '0']);
  t.is(configured.code, 1);
  t.regex(configured.stderr, /a\.xml:2:1 MOOR_ERR_BAD_VALUE <moor:store url>: "redis:\/\/h\/x": the database must be a number/);
});
