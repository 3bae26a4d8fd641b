import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const ping = soap11('<p:Ping xmlns:p="urn:p"><p:n>7</p:n></p:Ping>');

async function run(inSeq: string, out = '', headers: Record<string, string> = {}) {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, out, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml; charset=utf-8', ...headers });
    return { res, received: backend.received };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('a default-scope property is read back by get-property and $ctx:', async (t) => {
  const { received } = await run(
    `<property name="greeting" value="hello"/>
     <property name="X-A" scope="transport" expression="get-property('greeting')"/>
     <property name="X-B" scope="transport" expression="concat($ctx:greeting, '!')"/>`,
  );
  t.is(received[0]?.headers['x-a'], 'hello');
  t.is(received[0]?.headers['x-b'], 'hello!');
});

test('an expression property reads the body', async (t) => {
  const { received } = await run(`<property name="n" expression="//p:n" xmlns:p="urn:p"/><property name="X-N" scope="transport" expression="$ctx:n"/>`);
  t.is(received[0]?.headers['x-n'], '7');
});

test('transport-scope properties add and remove the HTTP headers that go to the backend', async (t) => {
  const { received } = await run(
    `<property name="X-Added" scope="transport" value="yes"/><property name="X-Secret" scope="transport" action="remove"/>`,
    '',
    { 'x-secret': 'hunter2' },
  );
  t.is(received[0]?.headers['x-added'], 'yes');
  t.is(received[0]?.headers['x-secret'], undefined);
});

test('axis2-scope properties are read with $axis2: and get-property(axis2, …)', async (t) => {
  const { received } = await run(
    `<property name="flag" scope="axis2" value="on"/>
     <property name="X-A" scope="transport" expression="$axis2:flag"/>
     <property name="X-B" scope="transport" expression="get-property('axis2', 'flag')"/>
     <property name="X-C" scope="transport" expression="concat('[', get-property('flag'), ']')"/>`,
  );
  t.is(received[0]?.headers['x-a'], 'on');
  t.is(received[0]?.headers['x-b'], 'on');
  t.is(received[0]?.headers['x-c'], '[]', 'an axis2 property is not in the default scope');
});

test('remove takes a default-scope property away', async (t) => {
  const { received } = await run(
    `<property name="gone" value="x"/><property name="gone" action="remove"/>
     <property name="X-Gone" scope="transport" expression="concat('[', get-property('gone'), ']')"/>`,
  );
  t.is(received[0]?.headers['x-gone'], '[]');
});

test('types convert: BOOLEAN, INTEGER, DOUBLE, and OM keeps XML', async (t) => {
  const { received } = await run(
    `<property name="b" type="BOOLEAN" value="TRUE"/>
     <property name="i" type="INTEGER" expression="string(//p:n + 1)" xmlns:p="urn:p"/>
     <property name="d" type="DOUBLE" value="2.5"/>
     <property name="om" type="OM"><a:x xmlns:a="urn:a" k="v">1</a:x></property>
     <property name="X-B" scope="transport" expression="get-property('b')"/>
     <property name="X-I" scope="transport" expression="get-property('i')"/>
     <property name="X-D" scope="transport" expression="get-property('d')"/>
     <property name="X-Om" scope="transport" expression="get-property('om')"/>
     <property name="X-Om-K" scope="transport" expression="$ctx:om/@k"/>`,
  );
  t.is(received[0]?.headers['x-b'], 'true');
  t.is(received[0]?.headers['x-i'], '8');
  t.is(received[0]?.headers['x-d'], '2.5');
  // an OM property is its element to an expression, as in WSO2: one with text reads as that text
  t.is(received[0]?.headers['x-om'], '1');
  t.is(received[0]?.headers['x-om-k'], 'v', 'and a path steps into it');
});

test('a DOUBLE or FLOAT property reads back as a Java Double is written ("2.0", "1.0E7"), and is a number inside an expression', async (t) => {
  const { received } = await run(
    `<property name="d" type="DOUBLE" value="2"/>
     <property name="f" type="FLOAT" value="1e7"/>
     <property name="i" type="INTEGER" value="2"/>
     <property name="X-D" scope="transport" expression="$ctx:d"/>
     <property name="X-F" scope="transport" expression="get-property('f')"/>
     <property name="X-I" scope="transport" expression="$ctx:i"/>
     <property name="X-Concat" scope="transport" expression="concat($ctx:d, '|', $ctx:d + 0.5)"/>
     <property name="X-Equal" scope="transport" expression="$ctx:d = '2'"/>
     <script language="js">mc.setProperty('twice', mc.getProperty('d') * 2)</script>
     <property name="X-Twice" scope="transport" expression="$ctx:twice"/>`,
  );
  const h = received[0]?.headers ?? {};
  t.is(h['x-d'], '2.0', 'as WSO2, whose property holds a java.lang.Double');
  t.is(h['x-f'], '1.0E7');
  t.is(h['x-i'], '2', 'a whole-number type reads as it was written');
  t.is(h['x-concat'], '2|2.5', "inside the expression it is XPath's number");
  t.is(h['x-equal'], 'true', 'compared with a string as a number');
  t.is(Number(h['x-twice']), 4, 'a script computes with it');
});

test('a value that does not convert to its type is a mediation fault, and nothing reaches the backend', async (t) => {
  const { res, received } = await run(`<property name="i" type="INTEGER" value="twelve"/>`);
  t.is(res.status, 500);
  t.is(res.headers['x-moor-error'], 'MOOR_ERR_MEDIATION');
  t.regex(res.text, /property i: "twelve" is not a INTEGER/);
  t.is(received.length, 0);
});

test('pattern and group keep a part of the value', async (t) => {
  const { received } = await run(
    `<property name="id" value="order-1234-x" pattern="order-(\\d+)" group="1"/><property name="X-Id" scope="transport" expression="$ctx:id"/>`,
  );
  t.is(received[0]?.headers['x-id'], '1234');
});

test('in the out sequence, transport properties reach the client and axis2 HTTP_SC sets the status', async (t) => {
  const { res } = await run('', `<property name="X-From-Gateway" scope="transport" value="moor"/><property name="HTTP_SC" scope="axis2" value="203"/>`);
  t.is(res.status, 203);
  t.is(res.headers['x-from-gateway'], 'moor');
  t.regex(res.text, /<p:n>7<\/p:n>/);
});

test('the default scope is shared by the request and its response', async (t) => {
  const { res } = await run(`<property name="seen" expression="//p:n" xmlns:p="urn:p"/>`, `<property name="X-Seen" scope="transport" expression="get-property('seen')"/>`);
  t.is(res.headers['x-seen'], '7');
});

test('a bad scope or type is a configuration error at its line', async (t) => {
  const err = await t.throwsAsync(startGateway({ 'p.xml': definitions(proxy('P', { in: '\n<property name="a" scope="global" value="1"/>\n<property name="b" type="STRNG" value="1"/>' })) }));
  t.true(err instanceof ConfigErrors);
  const lines = (err as ConfigErrors).errors.map((e) => e.toString());
  t.true(lines.some((l) => /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE scope must be one of/.test(l)), lines.join('\n'));
  t.true(lines.some((l) => /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE type must be one of .*did you mean "STRING"/.test(l)), lines.join('\n'));
});

test("get-property('registry', …) is a moor validate warning where it is written (moor reads a property of that name, Synapse a registry resource)", async (t) => {
  const dir = await configDir({ 'p.xml': definitions(proxy('P', { in: `\n<property name="p" expression="get-property('registry', 'conf:/a.txt')"/>` })) });
  const { errors, warnings } = await loadConfig(dir);
  t.deepEqual(errors, []);
  t.deepEqual(warnings.map((w) => `${w.loc.line} ${w.code}`), ['2 MOOR_WARN_DIFFERENT']);
  t.regex(warnings[0]!.message, /reads a property of that name, not a registry resource/);
});
