/** `<api>` as `moor validate` reads it: what it refuses at file:line:col, what it warns about, what it keeps. */
import path from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

async function load(text: string) {
  const dir = await configDir({ 'apis/a.xml': text });
  const { config, compiled, errors, warnings } = await loadConfig(dir);
  const at = (list: readonly { loc: { file: string; line: number; col: number }; code: string }[]) => list.map((e) => `${path.relative(dir, e.loc.file)}:${e.loc.line}:${e.loc.col} ${e.code}`);
  return { config, compiled, errors: at(errors), warnings: at(warnings), messages: errors.map((e) => e.message) };
}

test('a well-formed API loads: resources in order, the version in its name and path prefix', async (t) => {
  const { errors, compiled } = await load(`<api ${SYN} name="Orders" context="/orders/" version="2" version-type="url">
  <resource methods="GET post" uri-template="/{id}"><inSequence><respond/></inSequence></resource>
  <resource url-mapping="/*" inSequence="main"/>
</api>
<!-- -->`.replace('inSequence="main"', ''));
  t.deepEqual(errors, []);
  const api = compiled.apis[0]!;
  t.is(api.def.name, 'Orders:v2');
  t.is(api.def.context, '/orders');
  t.is(api.def.prefix, '/orders/2');
  t.deepEqual(api.resources[0]!.def.methods, ['GET', 'POST']);
});

test('refusals at file:line:col: a context without "/", a version without version-type, a bad method, a bad template, two default resources, handlers', async (t) => {
  const { errors, messages } = await load(`<api ${SYN} name="A" context="orders" version="1">
  <resource methods="GET FETCH" uri-template="/{id"/>
  <resource/>
  <resource/>
  <handlers/>
</api>`);
  t.deepEqual(errors.sort(), [
    'apis/a.xml:1:1 MOOR_ERR_BAD_VALUE',
    'apis/a.xml:1:1 MOOR_ERR_MISSING_ATTRIBUTE',
    'apis/a.xml:2:3 MOOR_ERR_BAD_VALUE',
    'apis/a.xml:2:3 MOOR_ERR_BAD_VALUE',
    'apis/a.xml:4:3 MOOR_ERR_DUPLICATE_NAME',
    'apis/a.xml:5:3 MOOR_ERR_UNSUPPORTED',
  ].sort());
  t.true(messages.some((m) => m.includes('FETCH')));
});

test('warnings: publishSwagger and enableStatistics are not honoured; protocol="https" and transports="https" only with --https-port', async (t) => {
  const dir = await configDir({
    'apis/a.xml': `<api ${SYN} name="A" context="/a" publishSwagger="/swagger.yaml" transports="https">
  <resource methods="GET" protocol="https"/>
  <resource methods="POST" url-mapping="/stats" enableStatistics="true"/>
  <resource methods="PUT" url-mapping="/p" protocol="http"/>
</api>`,
  });
  const { errors, warnings, compiled } = await loadConfig(dir);
  t.deepEqual(errors, []);
  t.deepEqual(warnings.map((w) => `${w.loc.line}:${w.loc.col} ${w.code} ${w.message.split(';')[0]}`).sort(), [
    '1:1 MOOR_WARN_DIFFERENT transports="https": WSO2 serves this API on its HTTPS listener only',
    '1:1 MOOR_WARN_NO_EFFECT publishSwagger= has no effect: moor publishes no Swagger or OpenAPI document',
    '2:3 MOOR_WARN_DIFFERENT protocol="https": WSO2 matches this resource over HTTPS only',
    '3:3 MOOR_WARN_NO_EFFECT enableStatistics="true" has no effect: moor collects no Synapse statistics (its metrics and access log: docs/operations.md)',
  ]);
  const api = compiled.apis[0]!;
  t.is(api.def.protocol, 'https');
  t.deepEqual(api.resources.map((r) => r.def.protocol), ['https', undefined, 'http']);
});

test('an API\'s transports: http or https alone keeps it to that listener, both (or none) to neither; any other transport is refused, as WSO2 refuses it', async (t) => {
  const { errors, warnings, messages, compiled } = await load(`<definitions ${SYN}>
  <api name="H" context="/h" transports="http"><resource/></api>
  <api name="B" context="/b" transports="http https"><resource/></api>
  <api name="J" context="/j" transports="jms"><resource/></api>
  <api name="P" context="/p"><resource protocol="ftp"/></api>
</definitions>`);
  t.deepEqual(errors.sort(), ['apis/a.xml:4:3 MOOR_ERR_UNSUPPORTED', 'apis/a.xml:5:30 MOOR_ERR_BAD_VALUE'].sort());
  t.true(messages.includes('transports "jms": only http and https are supported'), messages.join('\n'));
  t.true(messages.some((m) => m.startsWith('protocol must be one of http, https, not "ftp"')), messages.join('\n'));
  const protocols = Object.fromEntries(compiled.apis.map((a) => [a.def.name, a.def.protocol ?? 'both']));
  t.deepEqual({ H: protocols.H, B: protocols.B }, { H: 'http', B: 'both' });
  // (WSO2 refuses a list at deployment: not silently different)
  t.true(warnings.includes('apis/a.xml:3:3 MOOR_WARN_DIFFERENT'), warnings.join('\n'));
});

test('a sequence key a resource names must exist; two APIs at one context are refused', async (t) => {
  const { errors } = await load(`<definitions ${SYN}>
  <api name="A" context="/a"><resource inSequence="nowhere"/></api>
  <api name="B" context="/a/"><resource/></api>
</definitions>`);
  t.deepEqual(errors.sort(), ['apis/a.xml:2:30 MOOR_ERR_UNRESOLVED_KEY', 'apis/a.xml:3:3 MOOR_ERR_DUPLICATE_NAME'].sort());
});

test('<http> endpoints: a bad method, a template that is no http URL or whose braces do not pair are refused at file:line:col; legacy-encoding warns', async (t) => {
  const { errors, warnings } = await load(`<definitions ${SYN}>
  <endpoint name="A"><http uri-template="http://h/{uri.var.id}" method="fetch"/></endpoint>
  <endpoint name="B"><http uri-template="ftp://h/{uri.var.id}"/></endpoint>
  <endpoint name="C"><http uri-template="http://h/{uri.var.id"/></endpoint>
  <endpoint name="D"><http uri-template="http://h/{uri.var.id}" legacy-encoding="true"/></endpoint>
</definitions>`);
  t.deepEqual(errors.sort(), ['apis/a.xml:2:22 MOOR_ERR_BAD_VALUE', 'apis/a.xml:3:22 MOOR_ERR_BAD_VALUE', 'apis/a.xml:4:22 MOOR_ERR_BAD_VALUE'].sort());
  t.deepEqual(warnings, ['apis/a.xml:5:22 MOOR_WARN_NO_EFFECT']);
});

test('<http> endpoints: <enableAddressing separateListener="true"/> is refused at the <enableAddressing>, as on <address>; without it, addressing is on', async (t) => {
  const { errors, messages, config } = await load(`<definitions ${SYN}>
  <endpoint name="A"><http uri-template="http://h/{uri.var.id}"><enableAddressing separateListener="true"/></http></endpoint>
  <endpoint name="B"><address uri="http://h/b"><enableAddressing separateListener="true"/></address></endpoint>
  <endpoint name="C"><http uri-template="http://h/{uri.var.id}"><enableAddressing version="final" separateListener="false"/></http></endpoint>
</definitions>`);
  t.deepEqual(errors.sort(), ['apis/a.xml:2:65 MOOR_ERR_UNSUPPORTED', 'apis/a.xml:3:48 MOOR_ERR_UNSUPPORTED'].sort());
  t.true(messages.every((m) => m.includes('separateListener="true"')));
  t.like(config?.endpoints.get('C')?.def, { kind: 'address', addressing: true });
});

test('json-eval(): a JSONPath moor cannot read, and json-eval() where an XPath is needed, are refused at file:line:col', async (t) => {
  const { errors } = await load(`<sequence ${SYN} name="S">
  <property name="a" expression="json-eval($.a[?(@.b)])"/>
  <filter xpath="json-eval($.a)"><then><drop/></then></filter>
  <payloadFactory media-type="yaml"><format>x</format></payloadFactory>
</sequence>`);
  t.deepEqual(errors.sort(), ['apis/a.xml:2:3 MOOR_ERR_BAD_VALUE', 'apis/a.xml:3:3 MOOR_ERR_UNSUPPORTED', 'apis/a.xml:4:3 MOOR_ERR_BAD_VALUE'].sort());
});
