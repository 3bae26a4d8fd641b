import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { checkConfig, loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, type Received, startSoapBackend } from './soap-backend.ts';

/** A backend that numbers its answers, so a cached answer is told from a fresh one. */
function numbered(status = 200) {
  let n = 0;
  return (r: Received) => ({ status, body: soap11(`<q:quote xmlns:q="urn:q"><q:n>${++n}</q:n><q:for>${/<[^>]*symbol>([^<]*)</.exec(r.body)?.[1] ?? ''}</q:for></q:quote>`) });
}

const ask = (symbol: string, prefix = 'm', pad = '') => soap11(`<${prefix}:getQuote xmlns:${prefix}="urn:m">${pad}<${prefix}:symbol>${symbol}</${prefix}:symbol>${pad}</${prefix}:getQuote>`);

test("Synapse sample 420: a finder in the in path and a collector in the out path; DOMHASH ignores prefixes and indentation", async (t) => {
  const backend = await startSoapBackend(numbered());
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<cache timeout="20" scope="per-host" collector="false" hashGenerator="org.wso2.caching.digest.DOMHASHGenerator"><implementation type="memory" maxSize="100"/></cache>`,
        out: `<cache collector="true"/>`,
        uri: backend.url,
      }),
    ),
  });
  try {
    const first = await post(`${gw.url}/services/P`, ask('IBM'));
    t.is(elementText(first.text, 'n'), '1');
    const again = await post(`${gw.url}/services/P`, ask('IBM', 'x', '\n   '), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': 'other' });
    t.is(again.status, 200);
    t.is(elementText(again.text, 'n'), '1', 'the same payload, written differently, is answered from the cache');
    t.is(again.text, first.text, 'byte for byte');
    t.is(backend.received.length, 1);
    const other = await post(`${gw.url}/services/P`, ask('MSFT'));
    t.is(elementText(other.text, 'n'), '2', 'another payload reaches the backend');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('MI form: call, RESPONSE=true, collector, respond; headers count in the hash unless excluded; onCacheHit runs with the kept response', async (t) => {
  const backend = await startSoapBackend(numbered());
  const flow = (protocolBody: string) => `<cache collector="false" timeout="60"><onCacheHit><property name="X-Cache" scope="transport" value="hit"/><respond/></onCacheHit>
      <protocol type="HTTP"><methods>POST</methods>${protocolBody}<responseCodes>2[0-9][0-9]</responseCodes><includeAgeHeader>true</includeAgeHeader></protocol><implementation maxSize="10"/></cache>
    <call><endpoint><address uri="${backend.url}"/></endpoint></call>
    <property name="RESPONSE" value="true"/><cache collector="true"/><respond/>`;
  const gw = await startGateway({
    'p.xml': definitions(proxy('Excluding', { in: flow('<headersToExcludeInHash>*</headersToExcludeInHash>') }) + proxy('Counting', { in: flow('<headersToExcludeInHash>user-agent</headersToExcludeInHash>') })),
  });
  try {
    const a = await post(`${gw.url}/services/Excluding`, ask('IBM'), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': '1' });
    t.is(elementText(a.text, 'n'), '1', a.text);
    t.is(a.headers['x-cache'], undefined);
    const b = await post(`${gw.url}/services/Excluding`, ask('IBM'), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': '2' });
    t.is(elementText(b.text, 'n'), '1', 'headers excluded: a hit');
    t.is(b.headers['x-cache'], 'hit', 'onCacheHit ran');
    t.regex(String(b.headers['age']), /^\d+$/, 'includeAgeHeader');
    t.is(b.headers['content-type'], a.headers['content-type']);

    const c = await post(`${gw.url}/services/Counting`, ask('IBM'), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': '1' });
    const d = await post(`${gw.url}/services/Counting`, ask('IBM'), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': '2' });
    const e = await post(`${gw.url}/services/Counting`, ask('IBM'), { 'content-type': 'text/xml; charset=utf-8', 'x-trace': '2' });
    t.is(elementText(c.text, 'n'), '2', 'each finder has its own table');
    t.is(elementText(d.text, 'n'), '3', 'a header that counts makes another request');
    t.is(elementText(e.text, 'n'), '3');
    t.is(e.headers['x-cache'], 'hit');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('responses whose status does not match responseCodes, or larger than maxMessageSize, are not kept', async (t) => {
  const failing = await startSoapBackend(numbered(500));
  const ok = await startSoapBackend(numbered());
  const finder = (extra: string, codes = '2[0-9][0-9]') => `<cache ${extra}><protocol type="HTTP"><responseCodes>${codes}</responseCodes></protocol></cache>`;
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('Failing', { in: finder(''), out: '<cache collector="true"/>', uri: failing.url }) + proxy('Small', { in: finder('maxMessageSize="50"'), out: '<cache collector="true"/>', uri: ok.url }),
    ),
  });
  try {
    for (let i = 0; i < 2; i++) await post(`${gw.url}/services/Failing`, ask('IBM'));
    t.is(failing.received.length, 2, 'a 500 is not kept');
    for (let i = 0; i < 2; i++) await post(`${gw.url}/services/Small`, ask('IBM'));
    t.is(ok.received.length, 2, 'a response over maxMessageSize is not kept');
  } finally {
    await gw.close();
    await failing.close();
    await ok.close();
  }
});

test('a kept response expires after the timeout', async (t) => {
  const backend = await startSoapBackend(numbered());
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<cache timeout="1"/>`, out: '<cache collector="true"/>', uri: backend.url })) });
  try {
    await post(`${gw.url}/services/P`, ask('IBM'));
    t.is(elementText((await post(`${gw.url}/services/P`, ask('IBM'))).text, 'n'), '1');
    await new Promise((r) => setTimeout(r, 1100));
    t.is(elementText((await post(`${gw.url}/services/P`, ask('IBM'))).text, 'n'), '2');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('configuration: disk caches, Java hash generators and other protocols are refused; a cluster-wide scope warns', async (t) => {
  const dir = await configDir({
    'p.xml': definitions(
      proxy('P', {
        in: `\n<cache><implementation type="disk"/></cache>\n<cache hashGenerator="com.acme.MyHash"/>\n<cache><protocol type="JMS"/></cache>\n<cache><protocol><headersToIncludeInHash>a</headersToIncludeInHash></protocol></cache>`,
      }),
    ),
  });
  const err = await t.throwsAsync(checkConfig(dir));
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_UNSUPPORTED a disk cache/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNSUPPORTED the hash generator "com.acme.MyHash"/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED <protocol type="JMS">/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_UNSUPPORTED <headersToIncludeInHash> with names/);
  const warned = await loadConfig(await configDir({ 'p.xml': definitions(proxy('P', { in: `\n<cache scope="per-mediator"/>`, out: `\n<cache collector="true" timeout="5"/>` })) }));
  t.deepEqual(warned.errors, []);
  t.deepEqual(
    warned.warnings.map((w) => w.code),
    ['MOOR_WARN_DIFFERENT', 'MOOR_WARN_NO_EFFECT'],
  );
});
