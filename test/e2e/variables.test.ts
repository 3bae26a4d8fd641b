/**
 * MI 4.4's <variable> and the Synapse expressions `${…}` moor reads, through a real gateway in front of
 * real backends on loopback: variables set from a value (typed), from XPath, from `${…}` over a JSON
 * payload and headers, read by `${vars.x}` in <property>, <log> properties and <throwError>, kept into
 * the response path, removed; not properties. What moor does not read is refused at file:line:col by
 * `moor validate`, never taken as text.
 */
import test from 'ava';
import { request } from 'undici';
import { configTree, lines, runMoor } from '../cli/run-moor.ts';
import { configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startRestBackend } from '../helpers/rest-backend.ts';
import { proxy, startSoapBackend } from '../mediators/soap-backend.ts';

const M = 'xmlns:m="urn:m"';
const order = soap11(`<m:order ${M}><m:symbol>IBM</m:symbol><m:qty>3</m:qty></m:order>`);

test('variables set by value (typed) and by XPath are read by ${vars.x} in the request and the response path, and are not properties', async (t) => {
  const backend = await startSoapBackend();
  const { log, lines: logged } = capturingLogger();
  const inSeq = [
    `<variable name="symbol" expression="//m:symbol" ${M}/>`,
    `<variable name="qty" type="INTEGER" value="42"/>`,
    `<variable name="q" type="INTEGER" expression="\${xpath('//m:qty')}" ${M}/>`,
    `<variable name="big" type="LONG" value="9007199254740993"/>`,
    `<variable name="ok" type="BOOLEAN" value="yes"/>`,
    `<variable name="rate" type="DOUBLE" value="1.5"/>`,
    `<variable name="doc" type="JSON" value='{"a":{"b":[10,20]}}'/>`,
    `<variable name="frag" type="XML" value="&lt;x:y xmlns:x=&quot;urn:x&quot;&gt;1&lt;/x:y&gt;"/>`,
    `<variable name="gone" value="soon"/><variable name="gone" action="remove"/>`,
    `<property name="X-Symbol" scope="transport" expression="\${vars.symbol}"/>`,
    `<property name="X-Second" scope="transport" expression="\${vars.doc.a.b[1]}"/>`,
    `<log level="custom"><property name="in" expression="\${vars.qty}"/><property name="big" expression="\${vars.big}"/><property name="ok" expression="\${vars['ok']}"/>` +
      `<property name="rate" expression="\${vars.rate}"/><property name="doc" expression="\${vars.doc}"/><property name="frag" expression="\${vars.frag}"/>` +
      `<property name="gone" expression="\${vars.gone}"/><property name="q" expression="\${vars.q}"/><property name="asProperty" expression="get-property('symbol')"/></log>`,
  ].join('');
  const out = `<log level="custom"><property name="out" expression="\${vars.symbol}"/></log><send/>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, out, uri: backend.url })) }, { logger: log });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(res.status, 200);
    const got = backend.received[0]!;
    t.is(got.headers['x-symbol'], 'IBM');
    t.is(got.headers['x-second'], '20');
    const line = logged.find((l) => l.includes('[log] in = '));
    t.truthy(line, logged.join(''));
    t.regex(line!, /in = 42, big = 9007199254740993, ok = true, rate = 1\.5, doc = \{"a":\{"b":\[10,20\]\}\}, frag = <x:y xmlns:x="urn:x">1<\/x:y>, gone = , q = 3, asProperty = (\s|$)/);
    t.truthy(logged.find((l) => /\[log\] out = IBM/.test(l)), 'a variable set in the request path is read in the response path');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('${payload…} over a JSON request, ${headers[…]}, ${properties…} and ${params…} in an API; typed from JSON; <throwError> with ${vars.x}', async (t) => {
  const backend = await startRestBackend();
  const api = definitions(`
    <api name="Orders" context="/orders">
      <resource methods="POST" uri-template="/{id}?note={note}">
        <inSequence>
          <variable name="qty" type="INTEGER" expression="\${payload.order.qty}"/>
          <variable name="items" expression="\${payload.order.items}"/>
          <variable name="client" expression="\${headers['X-Client']}"/>
          <variable name="id" expression="\${params.uriParams.id}"/>
          <variable name="note" expression="\${params.queryParams.note}"/>
          <property name="p" value="pv"/>
          <variable name="p" expression="\${properties.synapse.p}"/>
          <filter source="get-property('uri.var.id')" regex="0">
            <then><variable name="why" value="order 0 is not taken"/><throwError type="ORDER" errorMessage="{\${vars.why}}"/></then>
          </filter>
          <header name="X-Summary" scope="transport" expression="concat(get-property('uri.var.id'), '/', get-property('query.param.note'))"/>
          <property name="X-Qty" scope="transport" expression="\${vars.qty}"/>
          <property name="X-Items" scope="transport" expression="\${vars.items}"/>
          <property name="X-Second" scope="transport" expression="\${vars.items[1].sku}"/>
          <property name="X-Client-Copy" scope="transport" expression="\${vars.client}"/>
          <property name="X-Vars" scope="transport" expression="\${vars.id}"/>
          <property name="X-Note" scope="transport" expression="\${vars.note}"/>
          <property name="X-P" scope="transport" expression="\${vars.p}"/>
          <send><endpoint><address uri="${backend.url}/backend"/></endpoint></send>
        </inSequence>
        <faultSequence><payloadFactory media-type="json"><format>{"error":"$1"}</format><args><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory><respond/></faultSequence>
      </resource>
    </api>`);
  const gw = await startGateway({ 'api.xml': api });
  try {
    const body = JSON.stringify({ order: { qty: 3, items: [{ sku: 'a' }, { sku: 'b' }] } });
    const res = await request(`${gw.url}/orders/7?note=rush`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-client': 'c-1' } });
    t.is(res.statusCode, 200, await res.body.text());
    const h = backend.calls[0]!.headers;
    t.is(h['x-qty'], '3');
    t.is(h['x-items'], '[{"sku":"a"},{"sku":"b"}]');
    t.is(h['x-second'], 'b');
    t.is(h['x-client-copy'], 'c-1');
    t.is(h['x-vars'], '7');
    t.is(h['x-note'], 'rush');
    t.is(h['x-p'], 'pv');
    t.is(backend.calls[0]!.body, body, 'the JSON payload goes on unchanged');

    const refused = await request(`${gw.url}/orders/0?note=x`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    t.deepEqual(await refused.body.json(), { error: 'order 0 is not taken' });

    const notInt = await request(`${gw.url}/orders/8?note=x`, { method: 'POST', body: JSON.stringify({ order: { qty: 'three', items: [] } }), headers: { 'content-type': 'application/json' } });
    t.deepEqual(await notInt.body.json(), { error: '<variable name="qty">: the expression\'s value "three" is not of type INTEGER' });
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('moor validate refuses at file:line:col what moor does not read: a value not of its type, functions moor lacks, config., ${…} in other text, in a payloadFactory format, a malformed expression', async (t) => {
  const { root } = await configTree({
    'p.xml': [
      `<definitions xmlns="http://ws.apache.org/ns/synapse">`,
      `  <sequence name="S">`,
      `    <variable name="a" type="INTEGER" value="abc"/>`,
      `    <variable name="b" expression="\${registry('gov:/a')}"/>`,
      `    <variable name="c" expression="\${secret('pw')}"/>`,
      `    <variable name="d" expression="\${config.db.url}"/>`,
      `    <log level="custom"><property name="e" expression="total: \${vars.a}"/></log>`,
      `    <variable name="i" expression="\${vars.a +}"/>`,
      `    <payloadFactory media-type="json"><format>{"a":"\${vars.a}"}</format></payloadFactory>`,
      `    <variable name="f" type="NUMBER" value="1"/>`,
      `    <variable name="g"/>`,
      `    <variable name="h" expression="\${formatDateTime(now(), 'yyyy')}"/>`,
      `    <variable name="j" expression="\${xpath('//a', 'v')}"/>`,
      `  </sequence>`,
      `</definitions>`,
    ].join('\n'),
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 1, r.stdout + r.stderr);
  const out = lines(r.stdout).filter((l) => l.startsWith('conf/'));
  t.deepEqual(out.map((l) => l.split(' ').slice(0, 2).join(' ')), [
    'conf/p.xml:3:5 MOOR_ERR_BAD_VALUE',
    'conf/p.xml:4:5 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:5:5 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:6:5 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:7:25 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:8:5 MOOR_ERR_BAD_VALUE',
    'conf/p.xml:9:39 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:10:5 MOOR_ERR_BAD_VALUE',
    'conf/p.xml:11:5 MOOR_ERR_MISSING_ATTRIBUTE',
    'conf/p.xml:12:5 MOOR_ERR_UNSUPPORTED',
    'conf/p.xml:13:5 MOOR_ERR_UNSUPPORTED',
  ], r.stdout);
  const text = out.join('\n');
  t.regex(text, /xpath\(\) over a variable \(a second argument\) is not read by moor/);
  t.regex(text, /value="abc" is not of type INTEGER/);
  t.regex(text, /the function registry\(\) is not one moor reads/);
  t.regex(text, /the function secret\(\) is not one moor reads/);
  t.regex(text, /config\. \(deployment configuration parameters\) is not read by moor/);
  t.regex(text, /"total: \$\{vars.a\}": moor reads a Synapse expression only as the whole value/);
  t.regex(text, /the Synapse expression "\$\{vars.a \+\}": the expression ends too soon/);
  t.regex(text, /the format holds a Synapse expression \(\$\{vars.a\}\)/);
  t.regex(text, /the function formatDateTime\(\) is not one moor reads/);
});

test("MI 4.4's expression language: operators, literals, conditionals, functions and filters; <filter xpath=\"${…}\">; <log><message> as a template", async (t) => {
  const backend = await startRestBackend();
  const { log, lines: logged } = capturingLogger();
  const api = definitions(`
    <api name="Expr" context="/expr">
      <resource methods="POST" uri-template="/{id}">
        <inSequence>
          <variable name="min" type="INTEGER" value="18"/>
          <variable name="adults" expression="\${payload.users[?(@.age >= vars.min)].name}"/>
          <variable name="total" expression="\${payload.users[0].age + payload.users[1].age * 2}"/>
          <property name="X-Adults" scope="transport" expression="\${vars.adults}"/>
          <property name="X-Total" scope="transport" expression="\${vars.total}"/>
          <property name="X-Kind" scope="transport" expression="\${vars.total > 100 ? 'big' : 'small'}"/>
          <property name="X-Greeting" scope="transport" expression="\${'Hello ' + toUpper(payload.users[0].name) + '!'}"/>
          <property name="X-Fn" scope="transport" expression="\${length(payload.users) + '|' + subString('abcdef', 1, 3) + '|' + contains(payload.tag, 'gold') + '|' + integer('42') + '|' + base64encode('hi')}"/>
          <property name="X-Missing" scope="transport" expression="\${exists(payload.nope) ? 'yes' : 'no'}|\${not(exists(payload.users))}"/>
          <property name="X-Named" scope="transport" expression="\${exists('var.min') ? 'set' : 'unset'}"/>
          <filter xpath="\${exists(payload.users) &amp;&amp; length(vars.adults) == 2}">
            <then><property name="X-Filter" scope="transport" value="then"/></then>
            <else><property name="X-Filter" scope="transport" value="else"/></else>
          </filter>
          <log category="INFO"><message>order \${params.uriParams.id}: \${length(vars.adults)} adult(s), \${vars.adults}</message><property name="tag" expression="\${payload.tag}"/></log>
          <send><endpoint><address uri="${backend.url}/backend"/></endpoint></send>
        </inSequence>
      </resource>
    </api>`);
  const dir = await configDir({ 'api.xml': api.replace('|${not(exists(payload.users))}', '') });
  const gw = await startGateway(dir, { logger: log });
  try {
    const body = JSON.stringify({ users: [{ name: 'ann', age: 30 }, { name: 'bob', age: 12 }, { name: 'cy', age: 18 }], tag: 'gold-member' });
    const res = await request(`${gw.url}/expr/7`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    t.is(res.statusCode, 200, await res.body.text());
    const h = backend.calls[0]!.headers;
    t.is(h['x-adults'], '["ann","cy"]');
    t.is(h['x-total'], '54');
    t.is(h['x-kind'], 'small');
    t.is(h['x-greeting'], 'Hello ANN!');
    t.is(h['x-fn'], '3|bc|true|42|aGk=');
    t.is(h['x-filter'], 'then');
    t.is(h['x-missing'], 'no', 'exists() of what the payload lacks');
    t.is(h['x-named'], 'set', "exists('var.min'): what it checks written as a string");
    t.truthy(logged.find((l) => /INFO \[log\] order 7: 2 adult\(s\), \["ann","cy"\], tag = gold-member/.test(l)), logged.join(''));
  } finally {
    await gw.close();
    await backend.close();
  }
});
