/**
 * <property type="…"> over an expression's value, as WSO2's PropertyMediator converts it: the
 * expression's string first (SynapseXPath.stringValueOf), then Java's parsing of that string. OM parses it
 * as XML and keeps its first element; the whole-number types refuse "8.0", which is what a count() or a
 * sum gives.
 */
import test from 'ava';
import { createHarness, type RunResult } from '../../src/testing/index.ts';
import { configDir, definitions, soap11 } from '../helpers/gateway.ts';

const O = 'xmlns:o="urn:o"';
const ORDER = soap11(`<o:order ${O}><o:item>Kettle</o:item><o:item>Toaster</o:item><o:addr><o:city>Oslo</o:city></o:addr></o:order>`);

/** Runs sequence S (`body`, then X-Out set from `out` and a send to the mock B) over ORDER. */
async function run(t: { teardown(f: () => unknown): void }, body: string, out = "''"): Promise<RunResult> {
  const dir = await configDir({
    'c.xml': definitions(`<endpoint name="B"><address uri="http://127.0.0.1:1/b"/></endpoint>
      <sequence name="S" ${O}>${body}<property name="X-Out" scope="transport" expression="${out}"/><send><endpoint key="B"/></send></sequence>`),
  });
  const h = await createHarness(dir, { mocks: { B: { envelope: soap11('<ok/>') } } });
  t.teardown(() => h.close());
  return h.runSequence('S', { envelope: ORDER });
}

test('OM from an element with child elements keeps the element', async (t) => {
  const r = await run(t, `<property name="a" type="OM" ${O} expression="//o:addr"/>`);
  t.is(String(r.properties.default.a), '<o:addr xmlns:o="urn:o"><o:city>Oslo</o:city></o:addr>');
});

test('OM from several elements keeps the first, all that WSO2 builds of their joined XML', async (t) => {
  const r = await run(t, `<property name="a" type="OM" ${O} expression="//o:item"/>`, "count($ctx:a)");
  t.is(String(r.properties.default.a), '<o:item xmlns:o="urn:o">Kettle</o:item>');
  t.is(r.calls[0]!.headers['x-out'], '1.0', 'one element');
});

test('OM from one element with text is that text, which is no XML: the message fails at the property', async (t) => {
  const r = await run(t, `<property name="a" type="OM" ${O} expression="//o:item[1]"/>`);
  t.is(r.calls.length, 0);
  t.is(r.response.status, 500);
  t.regex(r.response.envelope, /property a: "Kettle" is not XML/);
});

test('INTEGER refuses a count(), written 2.0, and takes its string()', async (t) => {
  const failed = await run(t, `<property name="n" type="INTEGER" ${O} expression="count(//o:item)"/>`);
  t.is(failed.calls.length, 0);
  t.regex(failed.response.envelope, /property n: .*2\.0.* is not a INTEGER/);
  const r = await run(t, `<property name="n" type="INTEGER" ${O} expression="string(count(//o:item))"/>`, "get-property('n')");
  t.is(r.calls[0]!.headers['x-out'], '2');
});

test('BOOLEAN is true for true, yes and 1, as Axis2 reads them, and false for anything else', async (t) => {
  const r = await run(
    t,
    `<property name="a" type="BOOLEAN" value="Yes"/><property name="b" type="BOOLEAN" value="1"/><property name="c" type="BOOLEAN" value=" true"/>`,
    "concat(get-property('a'), get-property('b'), get-property('c'))",
  );
  t.is(r.calls[0]!.headers['x-out'], 'truetruefalse');
});

test('an OM property read by an expression is its element, as Jaxen is given the OMElement: its own text, or its XML', async (t) => {
  const text = await run(t, `<property name="a" type="OM" ${O} expression="//o:item"/>`, "concat($ctx:a, '|', get-property('a'))");
  t.is(text.calls[0]!.headers['x-out'], 'Kettle|Kettle', 'an element with text reads as its text (not <o:item …>Kettle</o:item>)');
  const whole = await run(t, `<property name="a" type="OM" ${O} expression="//o:addr"/>`, '$ctx:a');
  t.is(whole.calls[0]!.headers['x-out'], '<o:addr xmlns:o="urn:o"><o:city>Oslo</o:city></o:addr>', 'one with child elements only, as its XML');
  const inside = await run(t, `<property name="a" type="OM" ${O} expression="//o:addr"/>`, '$ctx:a/o:city');
  t.is(inside.calls[0]!.headers['x-out'], 'Oslo', 'a path steps into it');
});
