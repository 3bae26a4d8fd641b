/**
 * Endpoint templates (`<template><endpoint>`, used by `<endpoint template="T">`) as the configuration
 * loads: each use filled in as Synapse's Template.create does (a value that is exactly `$p`), becoming an
 * ordinary endpoint of the use's name; a missing template, a missing parameter and an undeclared one,
 * each at its file:line:col.
 */
import test from 'ava';
import { type AddressDef, type GroupDef } from '../../src/config/endpoint-def.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** The template of WSO2's "Using Endpoint Templates" page, more or less. */
const TEMPLATE = [
  `<template ${SYN} name="ep_template">`,
  `  <parameter name="name"/>`,
  `  <parameter name="uri"/>`,
  `  <parameter name="codes"/>`,
  `  <parameter name="timeout"/>`,
  `  <endpoint name="$name">`,
  `    <address uri="$uri">`,
  `      <timeout><duration>$timeout</duration></timeout>`,
  `      <suspendOnFailure><errorCodes>$codes</errorCodes><initialDuration>2000</initialDuration></suspendOnFailure>`,
  `    </address>`,
  `  </endpoint>`,
  `</template>`,
].join('\n');

async function load(files: Record<string, string>, sub = '') {
  const dir = await configDir(files);
  const loaded = await loadConfig(sub ? `${dir}/${sub}` : dir);
  const show = (e: { loc: { file: string; line: number; col: number }; code: string; message: string }): string =>
    `${e.loc.file}:${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`.replaceAll(`${dir}/`, '');
  return { config: loaded.config, errors: loaded.errors.map(show), warnings: loaded.warnings.map(show) };
}

test('two endpoints from one template: each an address of its own name, uri and parameters', async (t) => {
  const got = await load({
    'templates/ep_template.xml': TEMPLATE,
    'endpoints/a.xml': `<endpoint ${SYN} name="A" template="ep_template" uri="http://127.0.0.1:8001/a"><parameter name="timeout" value="3000"/><parameter name="codes" value="101503,101504"/></endpoint>`,
    'endpoints/b.xml': `<endpoint ${SYN} name="B" template="ep_template" uri="http://127.0.0.1:8002/b"><parameter name="timeout" value="500"/><parameter name="codes" value="101500"/></endpoint>`,
  });
  t.deepEqual(got.errors, []);
  t.deepEqual(got.warnings, []);
  t.deepEqual([...got.config.endpointTemplates.keys()], ['ep_template']);
  const a = got.config.endpoints.get('A')!.def as AddressDef;
  const b = got.config.endpoints.get('B')!.def as AddressDef;
  t.is(a.kind, 'address');
  t.is(a.name, 'A');
  t.is(a.uri, 'http://127.0.0.1:8001/a');
  t.is(a.failure.timeoutMs, 3000);
  t.deepEqual(a.failure.suspendCodes, [101503, 101504]);
  t.is(b.name, 'B');
  t.is(b.uri, 'http://127.0.0.1:8002/b');
  t.is(b.failure.timeoutMs, 500);
});

test('only a value that is exactly $p is filled in; an undeclared $p stays as written', async (t) => {
  const got = await load({
    't.xml': `<template ${SYN} name="T"><parameter name="host"/><endpoint><http method="$verb" uri-template="$uri"/></endpoint></template>`,
    'e.xml': `<endpoint ${SYN} name="E" template="T" uri="http://127.0.0.1:8001/{uri.var.id}"><parameter name="host" value="h"/></endpoint>`,
  });
  t.is(got.errors.length, 1, got.errors.join('\n'));
  // (the template declares no "verb": Synapse leaves "$verb", which no <http> method is)
  t.regex(got.errors[0]!, /^t\.xml:1:\d+ MOOR_ERR_BAD_VALUE .*\$verb.* \(in the endpoint template "T" as filled in for "E" at e\.xml:1:1\)$/);
});

test('uses inside a <loadbalance>, a proxy target and a <send>, named or not', async (t) => {
  const got = await load({
    't.xml': `<template ${SYN} name="T"><parameter name="uri"/><endpoint name="$name"><address uri="$uri"/></endpoint></template>`,
    's.xml': [
      `<definitions ${SYN}>`,
      `<endpoint name="LB"><session type="simpleClientSession"/><loadbalance>`,
      `  <endpoint name="m1" template="T" uri="http://127.0.0.1:8001/"/>`,
      `  <endpoint template="T" uri="http://127.0.0.1:8002/"/>`,
      `</loadbalance></endpoint>`,
      `<proxy name="P"><target><endpoint template="T" uri="http://127.0.0.1:8003/"/></target></proxy>`,
      `<sequence name="S"><send><endpoint name="inS" template="T" uri="http://127.0.0.1:8004/"/></send></sequence>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.deepEqual(got.errors, []);
  const lb = got.config.endpoints.get('LB')!.def as GroupDef;
  t.is(lb.kind, 'loadbalance');
  t.deepEqual(lb.members.map((m) => [(m as AddressDef).name, (m as AddressDef).uri]), [['m1', 'http://127.0.0.1:8001/'], [undefined, 'http://127.0.0.1:8002/']]);
  t.is((got.config.proxies.get('P')!.endpoint as AddressDef).uri, 'http://127.0.0.1:8003/');
});

test('a template that does not exist, a parameter not given, and one the template does not declare', async (t) => {
  const got = await load({
    't.xml': TEMPLATE,
    'e.xml': [
      `<definitions ${SYN}>`,
      `<endpoint name="A" template="ep_templat" uri="http://127.0.0.1:8001/"/>`,
      `<endpoint name="R" template="conf:/templates/ep.xml"/>`,
      `<endpoint name="B" template="ep_template" uri="http://127.0.0.1:8001/">`,
      `  <parameter name="codes" value="101503"/>`,
      `  <parameter name="timeuot" value="3000"/>`,
      `</endpoint>`,
      `<proxy name="P"><target><endpoint key="A"/></target></proxy>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.deepEqual(got.errors, [
    'e.xml:2:1 MOOR_ERR_UNRESOLVED_KEY no endpoint template named "ep_templat" (did you mean "ep_template"?)',
    'e.xml:3:1 MOOR_ERR_UNSUPPORTED endpoint templates kept in the registry are not read; put the template "conf:/templates/ep.xml" in the configuration (an MI project\'s templates/) and name it',
    'e.xml:4:1 MOOR_ERR_MISSING_ATTRIBUTE the endpoint template "ep_template" needs its parameter "timeout" (at t.xml:8:16): give it as <parameter name="timeout" value="…"/>',
  ]);
  t.deepEqual(got.warnings, ['e.xml:6:3 MOOR_WARN_NO_EFFECT the endpoint template "ep_template" declares no parameter "timeuot"; it is not used (did you mean "timeout"?)']);
});

test('a uri not given, a $p with spaces around it, a sequence template named, a template using itself', async (t) => {
  const got = await load({
    'a.xml': [
      `<definitions ${SYN}>`,
      `<template name="Sp"><parameter name="d"/><endpoint><address uri="$uri"><timeout><duration> $d </duration></timeout></address></endpoint></template>`,
      `<template name="Seq"><sequence/></template>`,
      `<template name="Loop"><endpoint><failover><endpoint template="Loop"/></failover></endpoint></template>`,
      `<endpoint name="A" template="Sp"><parameter name="d" value="1"/></endpoint>`,
      `<endpoint name="B" template="Seq"/>`,
      `<endpoint name="C" template="Loop"/>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.is(got.errors.length, 4, got.errors.join('\n'));
  t.is(got.errors[0], 'a.xml:2:81 MOOR_ERR_BAD_VALUE "$d" is filled in only where it is the whole value, without spaces around it (as WSO2 does)');
  // (once, at the innermost use: the <failover>s it leaves without a member are not blamed too)
  t.regex(got.errors[1]!, /^a\.xml:4:43 MOOR_ERR_BAD_VALUE endpoint templates use one another more than 16 deep/);
  t.is(got.errors[2], 'a.xml:5:1 MOOR_ERR_MISSING_ATTRIBUTE the endpoint template "Sp" needs its parameter "uri" (at a.xml:2:52): give it as uri="…"');
  t.is(got.errors[3], 'a.xml:6:1 MOOR_ERR_BAD_VALUE "Seq" is a sequence template (run by <call-template>), not an endpoint template');
});

test('uses in a registry resource and in a src= local entry are filled in too', async (t) => {
  const got = await load({
    'src/main/wso2mi/artifacts/templates/T.xml': `<template ${SYN} name="T"><parameter name="uri"/><endpoint name="$name"><address uri="$uri"/></endpoint></template>`,
    'src/main/wso2mi/artifacts/proxy-services/P.xml': `<proxy ${SYN} name="P"><target endpoint="gov:endpoints/backend.xml"><inSequence><sequence key="conf:/sequences/s.xml"/></inSequence></target></proxy>`,
    'src/main/wso2mi/artifacts/local-entries/L.xml': `<localEntry ${SYN} key="L" src="file:../../resources/le.xml"/>`,
    'src/main/wso2mi/resources/le.xml': `<endpoint ${SYN} name="fromFile" template="T" uri="http://127.0.0.1:8003/"/>`,
    'src/main/wso2mi/resources/registry/gov/endpoints/backend.xml': `<endpoint ${SYN} name="Backend" template="T" uri="http://127.0.0.1:8001/"/>`,
    'src/main/wso2mi/resources/registry/conf/sequences/s.xml': `<sequence ${SYN} name="s"><send><endpoint template="T" uri="http://127.0.0.1:8002/"/></send></sequence>`,
  }, 'src/main/wso2mi/artifacts');
  t.deepEqual(got.errors, []);
  t.is((got.config.endpoints.get('gov:endpoints/backend.xml')?.def as AddressDef | undefined)?.uri, 'http://127.0.0.1:8001/');
  t.is((got.config.endpoints.get('L')?.def as AddressDef | undefined)?.uri, 'http://127.0.0.1:8003/');
});

test('an <http> template and a <failover> of templated members; other children of a use are warned, as WSO2 ignores them', async (t) => {
  const got = await load({
    't.xml': [
      `<definitions ${SYN}>`,
      `<template name="Rest"><parameter name="verb"/><endpoint name="$name"><http method="$verb" uri-template="$uri"/></endpoint></template>`,
      `<template name="Pair"><parameter name="a"/><parameter name="b"/><endpoint><failover>`,
      `  <endpoint name="first" template="Rest" uri="$a"><parameter name="verb" value="get"/></endpoint>`,
      `  <endpoint name="second" template="Rest" uri="$b"><parameter name="verb" value="post"/></endpoint>`,
      `</failover></endpoint></template>`,
      `<endpoint name="Orders" template="Pair"><parameter name="a" value="http://127.0.0.1:8001/o/{uri.var.id}"/><parameter name="b" value="http://127.0.0.1:8002/o/{uri.var.id}"/><session type="http"/></endpoint>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.deepEqual(got.errors, []);
  t.deepEqual(got.warnings, ['t.xml:7:173 MOOR_WARN_NO_EFFECT <session> has no effect on an endpoint made from a template (WSO2 ignores it too): write it in the template']);
  const pair = got.config.endpoints.get('Orders')!.def as GroupDef;
  t.is(pair.kind, 'failover');
  const [first, second] = pair.members as AddressDef[];
  t.deepEqual([first!.name, first!.http, second!.name, second!.http], [
    'first', { template: 'http://127.0.0.1:8001/o/{uri.var.id}', method: 'GET' },
    'second', { template: 'http://127.0.0.1:8002/o/{uri.var.id}', method: 'POST' },
  ]);
});

test('a sequence template and an endpoint template of one name are one name defined twice, as in WSO2', async (t) => {
  const got = await load({
    'a.xml': `<definitions ${SYN}>\n<template name="T"><sequence/></template>\n<template name="T"><endpoint><address uri="$uri"/></endpoint></template>\n</definitions>`,
  });
  t.deepEqual(got.errors, ['a.xml:3:1 MOOR_ERR_DUPLICATE_NAME template "T" is already defined at a.xml:2:1']);
});
