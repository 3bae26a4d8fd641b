/**
 * `<template>` and `<call-template>` as the configuration loads: each problem once, at its
 * file:line:col — an unknown target, a mandatory parameter not given, a with-param the template does
 * not declare (a warning), an endpoint template named by <call-template> (endpoint templates:
 * endpoint-templates.test.ts), a {{…}} value that does not compile or reads what WSO2 would not (a
 * warning; what {{…}} does: test/mediators/template-expressions.test.ts).
 */
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

async function problems(files: Record<string, string>): Promise<{ errors: string[]; warnings: string[] }> {
  const dir = await configDir(files);
  const { errors, warnings } = await loadConfig(dir);
  const show = (e: { loc: { file: string; line: number; col: number }; code: string; message: string }): string =>
    `${e.loc.file}:${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`.replaceAll(`${dir}/`, '');
  return { errors: errors.map(show).sort(), warnings: warnings.map(show).sort() };
}

test('a template that loads is called without complaint', async (t) => {
  const got = await problems({
    't.xml': `<template ${SYN} name="T"><parameter name="p" isMandatory="true"/><parameter name="q" defaultValue="d"/><sequence><log/></sequence></template>`,
    's.xml': `<sequence ${SYN} name="S"><call-template target="T"><with-param name="p" value="{$ctx:x}"/></call-template></sequence>`,
  });
  t.deepEqual(got, { errors: [], warnings: [] });
});

test('unknown target, missing mandatory parameter and undeclared with-param, each at its place', async (t) => {
  const got = await problems({
    't.xml': [
      `<template ${SYN} name="Stamp">`,
      `  <parameter name="value" isMandatory="true"/>`,
      `  <parameter name="open" isMandatory="true" defaultValue="["/>`,
      `  <sequence><log/></sequence>`,
      `</template>`,
    ].join('\n'),
    's.xml': [
      `<sequence ${SYN} name="S">`,
      `  <call-template target="Stamps"/>`,
      `  <call-template target="Stamp">`,
      `    <with-param name="vlaue" value="x"/>`,
      `  </call-template>`,
      `  <call-template target="Stamp"><with-param name="value" value="{//[}"/></call-template>`,
      `</sequence>`,
    ].join('\n'),
  });
  t.is(got.errors.length, 3, got.errors.join('\n'));
  t.is(got.errors[0], 's.xml:2:3 MOOR_ERR_UNRESOLVED_KEY no template named "Stamps" (did you mean "Stamp"?)');
  t.is(got.errors[1], 's.xml:3:3 MOOR_ERR_MISSING_ATTRIBUTE the template "Stamp" needs the parameter "value" (<with-param name="value" value="…"/>)');
  t.regex(got.errors[2]!, /^s\.xml:6:33 MOOR_ERR_BAD_XPATH /);
  t.deepEqual(got.warnings, ['s.xml:4:5 MOOR_WARN_NO_EFFECT the template "Stamp" declares no parameter "vlaue" (t.xml:1:1): ignored']);
});

test('<call-template> naming an endpoint template says so', async (t) => {
  const got = await problems({
    't.xml': `<template ${SYN} name="EpT">\n  <endpoint name="e"><address uri="$uri"/></endpoint>\n</template>`,
    's.xml': `<sequence ${SYN} name="S"><call-template target="EpT"/></sequence>`,
  });
  t.deepEqual(got.errors, ['s.xml:1:60 MOOR_ERR_BAD_VALUE "EpT" is an endpoint template (used as <endpoint template="EpT">), not a sequence template']);
});

test('two templates of one name, and a template without a sequence', async (t) => {
  const got = await problems({
    'a.xml': `<definitions ${SYN}>\n<template name="T"><sequence/></template>\n<template name="T"><sequence/></template>\n<template name="Empty"/>\n</definitions>`,
  });
  t.deepEqual(got.errors, [
    'a.xml:3:1 MOOR_ERR_DUPLICATE_NAME template "T" is already defined at a.xml:2:1',
    'a.xml:4:1 MOOR_ERR_BAD_VALUE <template name="Empty"> holds no <sequence>',
  ]);
});

test('an imported library is refused once; its templates are not blamed as "no template named"', async (t) => {
  const got = await problems({
    's.xml': [
      `<definitions ${SYN}>`,
      `<import name="EipLibrary" package="synapse.lang.eip"/>`,
      `<sequence name="main">`,
      `  <call-template target="synapse.lang.eip.wire_tap"><with-param name="x" value="{{//a}}"/></call-template>`,
      `  <call-template target="{$ctx:which}"/>`,
      `</sequence>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.deepEqual(got.errors, [
    's.xml:2:1 MOOR_ERR_UNSUPPORTED moor does not support connector imports (<import>)',
    's.xml:5:3 MOOR_ERR_UNSUPPORTED a target in {…} (a template chosen per message) is not supported: name the template',
  ]);
});

test('templates and sequences that call each other in a cycle are an error, as sequences are', async (t) => {
  const got = await problems({
    'a.xml': [
      `<definitions ${SYN}>`,
      `<template name="T"><sequence><sequence key="S"/></sequence></template>`,
      `<sequence name="S"><call-template target="T"/></sequence>`,
      `<template name="Self"><sequence><filter xpath="false()"><then><call-template target="Self"/></then></filter></sequence></template>`,
      `</definitions>`,
    ].join('\n'),
  });
  t.is(got.errors.length, 2, got.errors.join('\n'));
  t.regex(got.errors[0]!, /^a\.xml:\d+:\d+ MOOR_ERR_SEQUENCE_CYCLE sequences call each other in a cycle: (template:T → S → template:T|S → template:T → S)$/);
  t.regex(got.errors[1]!, /^a\.xml:4:\d+ MOOR_ERR_SEQUENCE_CYCLE sequences call each other in a cycle: template:Self → template:Self$/);
});

test('a {{…}} value is compiled when the configuration loads: an error at its with-param; a scope variable in it warns there, since WSO2 reads none', async (t) => {
  const got = await problems({
    't.xml': `<template ${SYN} name="T"><parameter name="p"/><sequence><log/></sequence></template>`,
    's.xml': [
      `<sequence ${SYN} name="S">`,
      `  <call-template target="T"><with-param name="p" value="{{//[}}"/></call-template>`,
      `  <call-template target="T"><with-param name="p" value="{{q:x}}"/></call-template>`,
      `  <call-template target="T">`,
      `    <with-param name="p" value="{{concat($ctx:a, $trp:B, //x)}}"/>`,
      `  </call-template>`,
      `  <call-template target="T"><with-param name="p" value="{{get-property('func', 'p')}}"/></call-template>`,
      `  <call-template target="T"><with-param xmlns:q="urn:q" name="p" value="{{$body/q:x | //q:y}}"/></call-template>`,
      `</sequence>`,
    ].join('\n'),
  });
  t.is(got.errors.length, 2, got.errors.join('\n'));
  t.regex(got.errors[0]!, /^s\.xml:2:29 MOOR_ERR_BAD_XPATH "\/\/\[" is not a valid XPath expression/);
  t.is(got.errors[1], 's.xml:3:29 MOOR_ERR_BAD_XPATH prefix "q" in "q:x" is not declared');
  // (get-property in {{…}} is Synapse's "evaluate at the call, pass the result on": nothing to warn of)
  t.deepEqual(got.warnings, [
    's.xml:5:5 MOOR_WARN_DIFFERENT $ctx:, $trp: in a {{…}} value: WSO2 evaluates a passed expression over the envelope alone, where they read nothing; moor reads them when the template uses the parameter (a $func: as the caller\'s parameter)',
  ]);
});
