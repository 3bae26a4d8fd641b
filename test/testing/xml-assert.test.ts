/** moor/testing's envelope assertions: XPath value and existence, XML equality by name, the SOAP Body. */
import test from 'ava';
import { canonicalXml, xmlDifference, xmlEqual, xpathExists, xpathSelect, xpathValue } from '../../src/testing/index.ts';
import { soapBody } from '../../src/testing/xml-assert.ts';

const ENV = `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <s:Header><wsa:Action>urn:add</wsa:Action></s:Header>
  <s:Body>
    <c:AddItem xmlns:c="urn:cart"><c:item qty="2">apple</c:item><c:item qty="1">pear</c:item></c:AddItem>
  </s:Body>
</s:Envelope>`;

test('xpathValue reads text and attributes, with $body and $header as Synapse has them', (t) => {
  t.is(xpathValue(ENV, '$body/*/x:item', { x: 'urn:cart' }), 'apple', 'the first node, by any prefix bound to the namespace');
  t.is(xpathValue(ENV, '$body/*/c:item[2]/@qty'), '1', "prefixes declared in the document work without being passed");
  t.is(xpathValue(ENV, '$header/wsa:Action'), 'urn:add');
  t.is(xpathValue(ENV, 'count(//c:item)'), '2');
  t.is(xpathValue(ENV, '//c:nothing'), '');
});

test('xpathExists tells whether anything is selected, or a boolean is true', (t) => {
  t.true(xpathExists(ENV, '//c:item[@qty="2"]'));
  t.false(xpathExists(ENV, '//c:item[@qty="3"]'));
  t.true(xpathExists(ENV, 'count(//c:item) = 2'));
  t.deepEqual(xpathSelect(ENV, '//c:item/text()'), ['apple', 'pear']);
});

test('XPath errors say what is wrong', (t) => {
  t.throws(() => xpathValue(ENV, '//c:item[', {}), { message: /not a valid XPath expression/ });
  t.throws(() => xpathValue('<a>', '/a'), { message: /not well-formed/ });
});

test('xmlEqual compares names, not prefixes, and ignores whitespace between elements and attribute order', (t) => {
  const a = '<p:Order xmlns:p="urn:o" id="1" kind="x"><p:line>  one </p:line><!-- note --><p:line>two</p:line></p:Order>';
  const b = `<Order xmlns="urn:o" kind="x" id="1">
      <line>one</line>
      <line><![CDATA[two]]></line>
    </Order>`;
  t.true(xmlEqual(a, b));
  t.is(canonicalXml(a), canonicalXml(b));
  t.is(canonicalXml(a), '<{urn:o}Order id="1" kind="x"><{urn:o}line>one</{urn:o}line><{urn:o}line>two</{urn:o}line></{urn:o}Order>');
});

test('QName values (faultcode, xsi:type) are compared by the name they stand for', (t) => {
  const s11 = 'http://schemas.xmlsoap.org/soap/envelope/';
  t.true(xmlEqual(`<a:Fault xmlns:a="${s11}"><faultcode>a:Client</faultcode></a:Fault>`, `<b:Fault xmlns:b="${s11}"><faultcode>b:Client</faultcode></b:Fault>`));
  t.false(xmlEqual(`<a:Fault xmlns:a="${s11}"><faultcode>a:Client</faultcode></a:Fault>`, `<b:Fault xmlns:b="${s11}"><faultcode>b:Server</faultcode></b:Fault>`));
  const xsi = 'http://www.w3.org/2001/XMLSchema-instance';
  t.true(xmlEqual(`<v xmlns:i="${xsi}" xmlns:p="urn:t" i:type="p:T"/>`, `<v xmlns:xsi="${xsi}" xmlns:q="urn:t" xsi:type="q:T"/>`));
  t.false(xmlEqual('<v>p:T</v>', '<v>q:T</v>'), 'undeclared prefixes are plain text');
});

test('xmlDifference names the first place where two documents differ', (t) => {
  const base = '<o xmlns="urn:o"><a>1</a><b x="1"/></o>';
  t.is(xmlDifference(base, base), undefined);
  t.is(xmlDifference('<o xmlns="urn:o"><a>2</a><b x="1"/></o>', base), 'at /o/a: text "2" where text "1" was expected');
  t.is(xmlDifference('<o xmlns="urn:other"><a>1</a><b x="1"/></o>', base), 'at /: element {urn:other}o where {urn:o}o was expected');
  t.is(xmlDifference('<o xmlns="urn:o"><a>1</a><b x="2"/></o>', base), 'at /o/b: attribute x is "2", expected "1"');
  t.is(xmlDifference('<o xmlns="urn:o"><a>1</a></o>', base), 'at /o: missing element {urn:o}b');
  t.is(xmlDifference('<o xmlns="urn:o"><a>1</a><b x="1"/><c/></o>', base), 'at /o: unexpected element {urn:o}c');
  t.false(xmlEqual('<a>x</a>', '<a>y</a>'));
});

test('soapBody gives the Body content as standalone XML', (t) => {
  const body = soapBody(ENV)!;
  t.true(xmlEqual(body, '<AddItem xmlns="urn:cart"><item qty="2">apple</item><item qty="1">pear</item></AddItem>'));
  t.is(soapBody('<notAnEnvelope/>'), undefined);
  const prefixed = soapBody('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:c"><s:Body><c:x xsi:type="c:T" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:Body></s:Envelope>')!;
  t.regex(prefixed, /xmlns:c="urn:c"/, 'a prefix used only inside a value stays declared');
});
