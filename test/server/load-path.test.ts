/**
 * The one load path (src/server/runtime.ts): compile only reads the definitions (its problems are its
 * own output), and the definitions are deep-frozen once loaded, so a later write throws.
 */
import test from 'ava';
import { type ProxyDef } from '../../src/config/artifacts.ts';
import { type SourceLoc } from '../../src/errors.ts';
import { compile } from '../../src/mediators/compile.ts';
import { checkConfig, loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions } from '../helpers/gateway.ts';

const CONFIG = definitions(
  '<endpoint name="B"><address uri="http://127.0.0.1:9/services/B"/></endpoint>' +
    '<sequence name="S"><log level="full"/></sequence>' +
    '<proxy name="P"><target><inSequence><property name="x" value="1"/><send><endpoint key="B"/></send></inSequence></target></proxy>',
);

test('compile reports into its own output: the read configuration is left as read', async (t) => {
  const dir = await configDir({ 'a.xml': definitions('<sequence name="S"><sned/><sequence key="nowhere"/></sequence>') });
  const { config, errors } = await loadConfig(dir);
  t.deepEqual(config.diag.errors, [], 'the read found nothing wrong');
  t.deepEqual(errors.map((e) => e.code), ['MOOR_ERR_UNKNOWN_MEDIATOR', 'MOOR_ERR_UNRESOLVED_KEY']);
  // compiling the frozen definitions again gives the same problems, written nowhere but its output
  const again = compile(config);
  t.deepEqual(again.diag.errors.map(String), errors.map(String));
  t.deepEqual(config.diag.errors, []);
});

test('the loaded definitions are frozen: writing into them throws', async (t) => {
  const { config } = await checkConfig(await configDir({ 'a.xml': CONFIG }));
  const proxy = config.proxies.get('P')!;
  const loc: SourceLoc = { file: 'x', line: 1, col: 1 };
  t.throws(() => (config.proxies as Map<string, ProxyDef>).set('Q', proxy), { instanceOf: TypeError });
  t.throws(() => (config.sequences as Map<string, unknown>).delete('S'), { instanceOf: TypeError });
  t.throws(() => (config.refused as Set<string>).add('B'), { instanceOf: TypeError });
  t.throws(() => ((proxy as { name: string }).name = 'Q'), { instanceOf: TypeError });
  t.throws(() => config.diag.report('MOOR_ERR_BAD_VALUE', loc, 'late'), { instanceOf: TypeError });
  // the parsed XML under the definitions too
  const node = config.sequences.get('S')!.node;
  t.throws(() => node.el.children.push(node.el.children[0]!), { instanceOf: TypeError });
  t.throws(() => ((node.el.attributes[0] as { value: string }).value = 'T'), { instanceOf: TypeError });
  t.is(config.proxies.size, 1);
  t.is(proxy.name, 'P');
});
