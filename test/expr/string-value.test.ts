/**
 * An expression's result as a string, as WSO2 MI's SynapseXPath.stringValueOf makes it: every node
 * selected (not XPath's first), elements by their own text or as XML, numbers as Java writes a Double.
 * Each case runs over the compact view (read-only paths) and over xmldom's DOM (after a change), which
 * must agree.
 */
import test from 'ava';
import { javaDouble } from '../../src/expr/string-value.ts';
import { stringOverBothViews } from '../helpers/expression-views.ts';

const ENV = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<o:order xmlns:o="urn:o" id="A1" channel="web">
  <o:item sku="k1">  Kettle </o:item>
  <o:item sku="k2">Toaster</o:item>
  <o:note>pay<![CDATA[ & ]]>ship</o:note>
  <o:addr><o:city>Oslo</o:city></o:addr>
  <!-- gift -->
</o:order>
</s:Body></s:Envelope>`;
const O = new Map([['o', 'urn:o']]);

// (moor writes an element's XML as xmldom does, declarations after attributes; Axiom writes them first)

/** The string of `xpath` over ENV, checked to be the same over the compact view and over the DOM. */
const stringOf = (t: { is(a: unknown, b: unknown, m?: string): void }, xpath: string): Promise<string> => stringOverBothViews(t, ENV, xpath, O);

test('several elements: each written as XML, one after the other, their own text trimmed', async (t) => {
  t.is(await stringOf(t, '//o:item'), '<o:item sku="k1" xmlns:o="urn:o">Kettle</o:item><o:item sku="k2" xmlns:o="urn:o">Toaster</o:item>');
});

test('one element with text: its own text, trimmed (not its XML)', async (t) => {
  t.is(await stringOf(t, "//o:item[@sku='k1']"), 'Kettle');
});

test("one element's own text includes CDATA but not its children's text", async (t) => {
  t.is(await stringOf(t, '//o:note'), 'pay & ship');
});

test('one element with child elements only: the element as XML', async (t) => {
  t.is(await stringOf(t, '//o:addr'), '<o:addr xmlns:o="urn:o"><o:city>Oslo</o:city></o:addr>');
});

test('several text nodes: their text joined', async (t) => {
  t.is(await stringOf(t, '//o:item/text()'), '  Kettle Toaster');
});

test('several attributes: their values joined (a namespace declaration is none of them)', async (t) => {
  t.is(await stringOf(t, '//o:item/@sku'), 'k1k2');
  t.is(await stringOf(t, '//o:order/@*'), 'A1web');
});

test('an empty node-set is the empty string', async (t) => {
  t.is(await stringOf(t, '//o:missing'), '');
});

test('comments add nothing', async (t) => {
  t.is(await stringOf(t, '//comment()'), '');
});

test('a lone text node under an expression with node() stands for its element, written as XML', async (t) => {
  t.is(await stringOf(t, "//o:item[@sku='k2']/node()"), '<o:item sku="k2" xmlns:o="urn:o">Toaster</o:item>');
});

test("XPath's own functions keep XPath's rules inside the expression", async (t) => {
  t.is(await stringOf(t, 'string(//o:item)'), '  Kettle ', 'string() takes the first node, untrimmed');
  t.is(await stringOf(t, "concat(//o:item, '|', //o:item[2])"), '  Kettle |Toaster');
  t.is(await stringOf(t, 'string(count(//o:item))'), '2');
});

test('a number is written as Java writes a Double; a boolean as true/false', async (t) => {
  t.is(await stringOf(t, 'count(//o:item)'), '2.0');
  t.is(await stringOf(t, 'count(//o:item) div 4'), '0.5');
  t.is(await stringOf(t, 'count(//o:item) = 2'), 'true');
  t.is(await stringOf(t, 'boolean(//o:missing)'), 'false');
});

test("Java's Double.toString at the edges", (t) => {
  t.is(javaDouble(10_000_000), '1.0E7');
  t.is(javaDouble(9_999_999), '9999999.0');
  t.is(javaDouble(0.001), '0.001');
  t.is(javaDouble(0.00015), '1.5E-4');
  t.is(javaDouble(-0), '-0.0');
  t.is(javaDouble(NaN), 'NaN');
  t.is(javaDouble(-Infinity), '-Infinity');
});
