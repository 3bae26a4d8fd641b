/**
 * The attribute axis holds no namespace declaration (XPath 1.0 §5.3), as in WSO2, whose Jaxen over Axiom
 * never finds `xmlns` on it: `count(@*)`, `name(@*[1])` and `@*[last()]` see the attributes only, over
 * the compact view of an unchanged message and over the DOM of a changed one alike. (A number reads
 * back as Java's double, "2.0", as in WSO2.)
 */
import test from 'ava';
import { stringOverBothViews } from '../helpers/expression-views.ts';

const ENV = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<o:order xmlns:o="urn:o" xmlns="urn:default" xmlns:x="urn:x" id="A1" x:channel="web"><o:item sku="k1"/></o:order>
</s:Body></s:Envelope>`;
const O = new Map([['o', 'urn:o']]);

const over = (t: { is(a: unknown, b: unknown, m?: string): void }, xpath: string): Promise<string> => stringOverBothViews(t, ENV, xpath, O);

test('count(@*) counts the attributes, not the three namespace declarations beside them', async (t) => {
  t.is(await over(t, 'count(//o:order/@*)'), '2.0');
  t.is(await over(t, 'count(//@*)'), '3.0');
});

test('positions on the attribute axis skip the declarations', async (t) => {
  t.is(await over(t, 'name(//o:order/@*[1])'), 'id');
  t.is(await over(t, 'name(//o:order/@*[last()])'), 'x:channel');
  t.is(await over(t, "local-name(//o:order/attribute::*[namespace-uri() = 'urn:x'])"), 'channel');
});

test('a declaration is not found by its name either, and the namespace axis still has it', async (t) => {
  t.is(await over(t, 'count(//o:order/@xmlns)'), '0.0');
  t.is(await over(t, 'boolean(//o:order/namespace::x)'), 'true');
  t.is(await over(t, "string(//o:order/namespace::*[name() = 'x'])"), 'urn:x');
});
