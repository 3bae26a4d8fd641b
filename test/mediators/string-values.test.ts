/**
 * An expression that selects several nodes, as a user writes it in each mediator that takes a string:
 * the value is WSO2 MI's (SynapseXPath.stringValueOf: every node, elements as XML when several, numbers
 * as Java writes a Double), not XPath's string() of the first node. Run through moor/testing's harness.
 */
import test from 'ava';
import { createHarness, type RunResult } from '../../src/testing/index.ts';
import { configDir, definitions, soap11 } from '../helpers/gateway.ts';

const O = 'xmlns:o="urn:o"';
const ORDER = soap11(`<o:order ${O} id="A1"><o:item sku="k1">Kettle</o:item><o:item sku="k2"> Toaster </o:item><o:addr><o:city>Oslo</o:city></o:addr></o:order>`);
const ITEMS = '<o:item sku="k1" xmlns:o="urn:o">Kettle</o:item><o:item sku="k2" xmlns:o="urn:o">Toaster</o:item>';

/** Runs sequence S (its mediators `body`, then a send to the mock endpoint B; `more` beside it) over ORDER. */
async function run(t: { teardown(f: () => unknown): void }, body: string, more = ''): Promise<RunResult> {
  const dir = await configDir({
    'c.xml': definitions(`<endpoint name="B"><address uri="http://127.0.0.1:1/b"/></endpoint>${more}
      <sequence name="S">${body}<send><endpoint key="B"/></send></sequence>`),
  });
  const h = await createHarness(dir, { mocks: { B: { envelope: soap11('<ok/>') } } });
  t.teardown(() => h.close());
  return h.runSequence('S', { envelope: ORDER });
}

test('<property expression>: several elements are their XML, one after the other', async (t) => {
  const r = await run(t, `<property name="items" ${O} expression="//o:item"/><property name="one" ${O} expression="//o:item[2]"/>`);
  t.is(r.properties.default.items, ITEMS);
  t.is(r.properties.default.one, 'Toaster', 'one element alone is its own text, trimmed');
});

test('<property expression>: an element with child elements only is its XML', async (t) => {
  const r = await run(t, `<property name="addr" ${O} expression="//o:addr"/>`);
  t.is(r.properties.default.addr, '<o:addr xmlns:o="urn:o"><o:city>Oslo</o:city></o:addr>');
});

test('<log> property: several text nodes are their text joined', async (t) => {
  const r = await run(t, `<log level="custom"><property name="skus" ${O} expression="//o:item/text()"/></log>`);
  const line = r.logs.find((l) => l.component === 'log');
  t.truthy(line);
  t.regex(line!.text, /skus = Kettle Toaster /);
});

test('<header> and transport <property>: several attributes are their values joined, and reach the backend so', async (t) => {
  const r = await run(t, `<header name="X-Skus" scope="transport" ${O} expression="//o:item/@sku"/><property name="X-Count" scope="transport" ${O} expression="count(//o:item)"/>`);
  t.is(r.calls[0]!.headers['x-skus'], 'k1k2');
  t.is(r.calls[0]!.headers['x-count'], '2.0', 'a number is written as Java writes a Double');
});

test('<filter source regex> and <switch source> match the whole joined string', async (t) => {
  const r = await run(
    t,
    `<filter ${O} source="//o:item/@sku" regex="k1k2"><then><property name="f" value="joined"/></then><else><property name="f" value="first"/></else></filter>
     <switch ${O} source="count(//o:item)"><case regex="2"><property name="s" value="2"/></case><case regex="2\\.0"><property name="s" value="2.0"/></case></switch>`,
  );
  t.is(r.properties.default.f, 'joined');
  t.is(r.properties.default.s, '2.0');
});

test('<payloadFactory> arg: several elements go into the payload as XML', async (t) => {
  const r = await run(t, `<payloadFactory><format><o:copy ${O}>$1</o:copy></format><args><arg ${O} expression="//o:item"/></args></payloadFactory>`);
  t.regex(r.calls[0]!.envelope, /<o:copy xmlns:o="urn:o"><o:item sku="k1"( xmlns:o="urn:o")?>Kettle<\/o:item><o:item sku="k2"( xmlns:o="urn:o")?>Toaster<\/o:item><\/o:copy>/);
});

test('a {…} key: the joined string names the sequence', async (t) => {
  const r = await run(t, `<sequence ${O} key="{//o:item/@sku}"/>`, `<sequence name="k1k2"><property name="via" value="joined"/></sequence><sequence name="k1"><property name="via" value="first"/></sequence>`);
  t.is(r.properties.default.via, 'joined');
});
