/**
 * The one load path (src/server/runtime.ts): compile only reads the definitions (its problems are its
 * own output), the definitions are deep-frozen once loaded, so a later write throws, and a runtime's
 * mediators are linked once to the endpoints that runtime built.
 */
import test from 'ava';
import { type ProxyDef } from '../../src/config/artifacts.ts';
import { type SourceLoc } from '../../src/errors.ts';
import { compile, type ProxyRuntime } from '../../src/mediators/compile.ts';
import { type Mediator, type Sequence } from '../../src/mediators/mediator.ts';
import { buildRuntime, checkConfig, loadConfig, loadRuntime } from '../../src/server/runtime.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
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
  t.throws(() => config.diag.report('MOOR_ERR_BAD_VALUE', loc, 'late'), { message: /after its step ended/ });
  t.throws(() => config.sequences.get('S')!.node.report('MOOR_ERR_BAD_VALUE', 'late'), { message: /after its step ended/ });
  // the parsed XML under the definitions too
  const node = config.sequences.get('S')!.node;
  t.throws(() => node.el.children.push(node.el.children[0]!), { instanceOf: TypeError });
  t.throws(() => ((node.el.attributes[0] as { value: string }).value = 'T'), { instanceOf: TypeError });
  t.is(config.proxies.size, 1);
  t.is(proxy.name, 'P');
});

test('a runtime links each mediator to its own endpoints once; a second runtime over the same check compiles its own', async (t) => {
  const checked = await checkConfig(await configDir({ 'a.xml': CONFIG }));
  const env = { store: new MemoryStore(new ManualClock(), 0), clock: new ManualClock(0) };
  const a = await buildRuntime(checked, env);
  const b = await buildRuntime(checked, env);
  try {
    t.is(a.compiled, checked.compiled, 'the first runtime takes the check\'s compilation');
    t.not(b.compiled, a.compiled);
    for (const r of [a, b]) {
      t.is(r.compiled.endpointLinks.length, 1);
      const link = r.compiled.endpointLinks[0]!;
      t.is(link.endpoint, r.endpoints.ofKey('B'), 'the <send> holds the endpoint its runtime built');
      t.throws(() => link.link(r.endpoints), { message: /once/ });
    }
    t.not(a.endpoints.byName('B'), b.endpoints.byName('B'));
  } finally {
    await a.endpoints.close();
    await b.endpoints.close();
  }
});

test('the runtime is frozen: its tables, proxies and sequences as served', async (t) => {
  const runtime = await loadRuntime(await configDir({ 'a.xml': CONFIG }), { store: new MemoryStore(new ManualClock(), 0) });
  try {
    const proxy = runtime.compiled.proxies.get('P')!;
    t.throws(() => (runtime.compiled.proxies as Map<string, ProxyRuntime>).set('Q', proxy), { instanceOf: TypeError });
    t.throws(() => (runtime.compiled.sequences as Map<string, Sequence>).delete('S'), { instanceOf: TypeError });
    t.throws(() => ((proxy as { inSequence: unknown }).inSequence = undefined), { instanceOf: TypeError });
    t.throws(() => (proxy.inSequence!.mediators as Mediator[]).pop(), { instanceOf: TypeError });
    t.throws(() => ((runtime as { limits: unknown }).limits = {}), { instanceOf: TypeError });
    t.throws(() => ((runtime.limits as { maxDepth: number }).maxDepth = 1), { instanceOf: TypeError });
    t.is(proxy.inSequence!.mediators.length, 2);
  } finally {
    await runtime.endpoints.close();
  }
});
