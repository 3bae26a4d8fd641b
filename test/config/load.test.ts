import path from 'node:path';
import test from 'ava';
import { type Algorithm, type GroupDef } from '../../src/config/endpoint-def.ts';
import { readConfig } from '../../src/config/load.ts';
import { type ConfigError } from '../../src/errors.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** The lines of a file, so that tests can say which line holds what. */
function lines(...l: string[]): string {
  return l.join('\n') + '\n';
}

/** Writes `files` to a fresh folder, reads and compiles it as `moor validate` does. */
async function load(files: Record<string, string>) {
  const dir = await configDir(files);
  const { config, compiled, errors } = await loadConfig(dir);
  /** `file:line:col CODE` of every problem, the file relative to the folder. */
  const where = errors.map((e) => `${path.relative(dir, e.loc.file)}:${e.loc.line}:${e.loc.col} ${e.code}`);
  return { dir, config, compiled, errors, where };
}

function only(errors: readonly ConfigError[]): ConfigError {
  if (errors.length !== 1) throw new Error(`expected one problem, got:\n${errors.map((e) => e.toString()).join('\n')}`);
  return errors[0]!;
}

test('a valid configuration loads with no problem: proxies, sequences, endpoints and sessions as written', async (t) => {
  const { config, compiled, errors } = await load({
    'endpoints.xml': lines(
      `<definitions ${SYN}>`,
      `  <endpoint name="Cart">`,
      `    <session type="header"><sessionTimeout>60000</sessionTimeout><header name="a:Tenant" xmlns:a="urn:acme"/></session>`,
      `    <loadbalance algorithm="roundRobin">`,
      `      <endpoint name="cart1"><address uri="http://127.0.0.1:9001/services/Cart"/></endpoint>`,
      `      <endpoint name="cart2"><address uri="http://127.0.0.1:9002/services/Cart"/></endpoint>`,
      `    </loadbalance>`,
      `  </endpoint>`,
      `</definitions>`,
    ),
    'sequences/main.xml': lines(
      `<sequence ${SYN} name="audit">`,
      `  <log level="custom"><property name="action" expression="$trp:SOAPAction"/></log>`,
      `</sequence>`,
    ),
    'proxy.xml': lines(
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<proxy ${SYN} name="CartService" transports="http https">`,
      `  <target endpoint="Cart">`,
      `    <inSequence><sequence key="audit"/><property name="seen" value="yes"/></inSequence>`,
      `    <outSequence><send/></outSequence>`,
      `  </target>`,
      `</proxy>`,
    ),
  });
  t.deepEqual(errors.map((e) => e.toString()), []);
  t.deepEqual([...config.proxies.keys()], ['CartService']);
  t.deepEqual([...config.sequences.keys()], ['audit']);
  t.deepEqual([...config.endpoints.keys()], ['Cart']);
  const group = config.endpoints.get('Cart')!.def as GroupDef;
  t.is(group.kind, 'loadbalance');
  t.deepEqual(group.members.map((m) => (m.kind === 'address' ? m.name : m.kind)), ['cart1', 'cart2']);
  t.is(group.session?.type, 'header');
  t.deepEqual(group.session?.name, { uri: 'urn:acme', local: 'Tenant' });
  t.is(group.session?.timeoutMs, 60_000);
  const proxy = compiled.proxies.get('CartService')!;
  t.deepEqual(proxy.inSequence?.mediators.map((m) => m.kind), ['sequence', 'property']);
  const target = config.proxies.get('CartService')!.endpoint;
  t.deepEqual(target, { kind: 'ref', loc: target!.loc, key: 'Cart' });
  t.is(proxy.target?.mediators[0]?.kind, 'send');
  t.is(compiled.sequences.get('audit')?.mediators.length, 1);
  // locations are kept for later messages: the proxy starts on line 2 of its file, after the declaration
  t.deepEqual([config.proxies.get('CartService')!.loc.line, config.proxies.get('CartService')!.loc.col], [2, 1]);
});

test('malformed XML is MOOR_ERR_CONFIG_XML at the line and column the parser stopped at', async (t) => {
  const { errors, where } = await load({
    'broken.xml': lines(`<sequence ${SYN} name="s">`, `  <log>`, `</sequence>`),
  });
  t.deepEqual(where, ['broken.xml:3:1 MOOR_ERR_CONFIG_XML']);
  t.regex(only(errors).message, /closing tag 'log'/);
  t.true(only(errors).toString().endsWith(`broken.xml:3:1 MOOR_ERR_CONFIG_XML ${only(errors).message}`));
});

test('an undeclared entity in a config file is placed at the reference', async (t) => {
  const { errors, where } = await load({
    'entity.xml': lines(`<sequence ${SYN} name="s">`, `  <log level="custom"><property name="p" value="a&nbsp;b"/></log>`, `</sequence>`),
  });
  t.deepEqual(where, ['entity.xml:2:50 MOOR_ERR_CONFIG_XML']);
  t.regex(only(errors).message, /&nbsp;/);
});

test('an unknown attribute is placed at its element, with a "did you mean"', async (t) => {
  const { errors, where } = await load({
    'seq.xml': lines(`<sequence ${SYN} name="s">`, `  <drop/>`, `      <log levle="full"/>`, `</sequence>`),
  });
  t.deepEqual(where, ['seq.xml:3:7 MOOR_ERR_UNKNOWN_ATTRIBUTE']);
  t.is(only(errors).message, '<log> has no attribute levle (did you mean "level"?)');
});

test('an unknown mediator is placed at its element; a Synapse mediator moor lacks is named unsupported', async (t) => {
  const { errors, where } = await load({
    'seq.xml': lines(`<sequence ${SYN} name="s">`, `  <logg/>`, `  <smooks config-key="x"/>`, `</sequence>`),
  });
  t.deepEqual(where, ['seq.xml:2:3 MOOR_ERR_UNKNOWN_MEDIATOR', 'seq.xml:3:3 MOOR_ERR_UNSUPPORTED']);
  t.is(errors[0]!.message, '<logg> is not a mediator (did you mean "log"?)');
  t.regex(errors[1]!.message, /smooks.*not supported/);
});

test('a missing required attribute is placed at its element', async (t) => {
  const { errors, where } = await load({
    'a.xml': lines(`<definitions ${SYN}>`, `  <sequence>`, `    <property value="1"/>`, `  </sequence>`, `  <endpoint name="e">`, `    <address/>`, `  </endpoint>`, `</definitions>`),
  });
  t.deepEqual(where, ['a.xml:2:3 MOOR_ERR_MISSING_ATTRIBUTE', 'a.xml:6:5 MOOR_ERR_MISSING_ATTRIBUTE']);
  t.is(errors[0]!.message, '<sequence> needs the attribute name');
  t.is(errors[1]!.message, '<address> needs the attribute uri');
});

test('a name defined in two files is reported at the second, naming the first place', async (t) => {
  const { errors, where, dir } = await load({
    'a.xml': lines(`<definitions ${SYN}>`, ``, `  <sequence name="common"><drop/></sequence>`, `</definitions>`),
    'b.xml': lines(`<definitions ${SYN}>`, `  <sequence name="common"><log/></sequence>`, `</definitions>`),
  });
  t.deepEqual(where, ['b.xml:2:3 MOOR_ERR_DUPLICATE_NAME']);
  t.is(only(errors).message, `sequence "common" is already defined at ${path.join(dir, 'a.xml')}:3:3`);
});

test('keys that name nothing: an endpoint, a sequence, a proxy target — each at the element that names it', async (t) => {
  const { errors, where } = await load({
    'a.xml': lines(
      `<definitions ${SYN}>`,
      `  <endpoint name="Backend"><address uri="http://127.0.0.1:9/x"/></endpoint>`,
      `  <sequence name="s">`,
      `    <send><endpoint key="Backnd"/></send>`,
      `    <sequence key="missing"/>`,
      `  </sequence>`,
      `  <proxy name="P">`,
      `    <target endpoint="Nowhere" outSequence="s"/>`,
      `  </proxy>`,
      `</definitions>`,
    ),
  });
  t.deepEqual(where.sort(), ['a.xml:4:11 MOOR_ERR_UNRESOLVED_KEY', 'a.xml:5:5 MOOR_ERR_UNRESOLVED_KEY', 'a.xml:8:5 MOOR_ERR_UNRESOLVED_KEY']);
  const byLine = new Map(errors.map((e) => [e.loc.line, e.message]));
  t.is(byLine.get(4), 'no endpoint named "Backnd" (did you mean "Backend"?)');
  t.is(byLine.get(5), 'no sequence named "missing"');
  t.is(byLine.get(8), 'no endpoint named "Nowhere"');
});

test('sequences that call each other in a cycle are reported once, at a reference that closes it', async (t) => {
  const { errors, where } = await load({
    'a.xml': lines(
      `<definitions ${SYN}>`,
      `  <sequence name="a"><sequence key="b"/></sequence>`,
      `  <sequence name="b"><log/><sequence key="a"/></sequence>`,
      `  <sequence name="self"><sequence key="self"/></sequence>`,
      `  <sequence name="fine"><sequence key="a"/></sequence>`,
      `</definitions>`,
    ),
  });
  t.is(where.length, 2, where.join('\n'));
  const cycles = errors.map((e) => e.message).sort();
  t.deepEqual(cycles, ['sequences call each other in a cycle: a → b → a', 'sequences call each other in a cycle: self → self']);
  t.true(where.every((w) => w.endsWith('MOOR_ERR_SEQUENCE_CYCLE')));
  t.true(where.includes('a.xml:4:25 MOOR_ERR_SEQUENCE_CYCLE'));
});

/** An endpoint file whose session element is `session`, on line 3 column 5. */
function withSession(session: string, algorithm = 'roundRobin'): Record<string, string> {
  return {
    'ep.xml': lines(
      `<definitions ${SYN}>`,
      `  <endpoint name="E">`,
      `    ${session}`,
      `    <loadbalance algorithm="${algorithm}">`,
      `      <endpoint name="m1"><address uri="http://127.0.0.1:9001/s"/></endpoint>`,
      `    </loadbalance>`,
      `  </endpoint>`,
      `</definitions>`,
    ),
  };
}

test('an unknown session type is placed at the <session>, with the types that exist', async (t) => {
  const { errors, where } = await load(withSession(`<session type="htpp"/>`));
  t.deepEqual(where, ['ep.xml:3:5 MOOR_ERR_UNKNOWN_SESSION_TYPE']);
  t.regex(only(errors).message, /session type "htpp" does not exist; use one of http, soap, simpleClientSession, header, xpath, class \(did you mean "http"\?\)/);
});

test('type="header" without its <header> child is refused at the <session>', async (t) => {
  const { errors, where } = await load(withSession(`<session type="header"><sessionTimeout>1000</sessionTimeout></session>`));
  t.deepEqual(where, ['ep.xml:3:5 MOOR_ERR_MISSING_ATTRIBUTE']);
  t.regex(only(errors).message, /<session type="header"> needs a <header name="p:Local"/);
});

test('session types resolve their names against the namespaces in scope', async (t) => {
  const soap = await load(withSession(`<session type="soap"><referenceParameter name="k:Key" xmlns:k="urn:k"/></session>`));
  t.deepEqual(soap.where, []);
  t.deepEqual((soap.config.endpoints.get('E')!.def as GroupDef).session?.name, { uri: 'urn:k', local: 'Key' });
  const bad = await load(withSession(`<session type="header"><header name="u:Key"/></session>`));
  t.deepEqual(bad.where, ['ep.xml:3:28 MOOR_ERR_BAD_VALUE']);
  t.regex(only(bad.errors).message, /prefix "u" in "u:Key" is not declared/);
  const client = await load(withSession(`<session type="simpleClientSession"/>`));
  t.is((client.config.endpoints.get('E')!.def as GroupDef).session?.type, 'simpleClientSession');
  t.is((client.config.endpoints.get('E')!.def as GroupDef).session?.name, undefined);
});

test('load-balance algorithms by their short names and by their Synapse class names', async (t) => {
  const cases: [string, Algorithm][] = [
    ['roundRobin', 'roundRobin'],
    ['weightedRoundRobin', 'weightedRoundRobin'],
    ['org.apache.synapse.endpoints.algorithms.RoundRobin', 'roundRobin'],
    ['org.apache.synapse.endpoints.algorithms.WeightedRoundRobin', 'weightedRoundRobin'],
  ];
  for (const [written, algorithm] of cases) {
    const { config, where } = await load(withSession('<!-- no session -->', written));
    t.deepEqual(where, [], written);
    t.is((config.endpoints.get('E')!.def as GroupDef).algorithm, algorithm, written);
  }
  const { errors, where } = await load(withSession('<!-- no session -->', 'org.apache.synapse.endpoints.algorithms.Random'));
  t.deepEqual(where, ['ep.xml:4:5 MOOR_ERR_BAD_VALUE']);
  t.regex(only(errors).message, /unknown load-balance algorithm "org\.apache\.synapse\.endpoints\.algorithms\.Random"/);
});

test('several problems in one load are all reported, each at its place', async (t) => {
  const { where } = await load({
    'a.xml': lines(`<sequence ${SYN} name="s">`, `  <logg/>`, `  <log levle="x"/>`, `  <sequence key="nope"/>`, `</sequence>`),
    'b.xml': lines(`<proxy ${SYN}>`, `</proxy>`),
  });
  t.deepEqual(where.sort(), [
    'a.xml:2:3 MOOR_ERR_UNKNOWN_MEDIATOR',
    'a.xml:3:3 MOOR_ERR_UNKNOWN_ATTRIBUTE',
    'a.xml:4:3 MOOR_ERR_UNRESOLVED_KEY',
    'b.xml:1:1 MOOR_ERR_MISSING_ATTRIBUTE',
    'b.xml:1:1 MOOR_ERR_MISSING_ATTRIBUTE',
  ]);
});

test('an empty or missing folder is MOOR_ERR_CONFIG_DIR', async (t) => {
  const empty = await load({ 'README.txt': 'not xml' });
  t.deepEqual(empty.errors.map((e) => e.code), ['MOOR_ERR_CONFIG_DIR']);
  const missing = await readConfig(path.join(empty.dir, 'nope'));
  t.deepEqual(missing.diag.errors.map((e) => e.code), ['MOOR_ERR_CONFIG_DIR']);
});
