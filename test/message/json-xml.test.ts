/** WSO2's JSON ↔ XML rules (src/message/json-xml.ts, xml-json.ts): the examples of WSO2's documentation, hostile JSON, and a round trip. */
import test from 'ava';
import fc from 'fast-check';
import { MoorError } from '../../src/errors.ts';
import { jsonToXml } from '../../src/message/json-xml.ts';
import { xmlToJson } from '../../src/message/xml-json.ts';
import { parseTrustedDom } from '../../src/xml/dom.ts';

const bounds = { maxDepth: 64, maxChars: 1 << 20, multiplePI: true };
const toXml = (json: string): string => jsonToXml(json, bounds);
const toJson = (xml: string): string => xmlToJson(parseTrustedDom(xml).documentElement!, 64);
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof MoorError ? e.code : `not a MoorError: ${String(e)}`;
  }
};

test('JSON to XML: the root, members, arrays with their xml-multiple instruction, empty values', (t) => {
  t.is(toXml('{"object":{}}'), '<jsonObject><object></object></jsonObject>');
  t.is(toXml('{"object":""}'), '<jsonObject><object></object></jsonObject>');
  t.is(toXml('{"object":null}'), '<jsonObject><object></object></jsonObject>');
  t.is(toXml('[]'), '<jsonArray><?xml-multiple jsonElement?></jsonArray>');
  t.is(toXml('{"array":[1,2]}'), '<jsonObject><?xml-multiple array?><array>1</array><array>2</array></jsonObject>');
  t.is(toXml('{"array":[]}'), '<jsonObject><?xml-multiple array?></jsonObject>');
  t.is(toXml('[1,2]'), '<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray>');
  t.is(toXml('[1, []]'), '<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement><jsonElement><jsonArray><?xml-multiple jsonElement?></jsonArray></jsonElement></jsonArray>');
  t.is(toXml(' { "a" : { "b" : true , "c" : "x<&>y" } } '), '<jsonObject><a><b>true</b><c>x&lt;&amp;&gt;y</c></a></jsonObject>');
  t.is(toXml(''), '');
  t.is(toXml('  \n'), '');
});

test('JSON to XML without the instructions (MI\'s default): an array of one is one element, an empty one nothing', (t) => {
  const mi = (json: string): string => jsonToXml(json, { maxDepth: 64, maxChars: 1 << 20 });
  t.is(mi('{"array":[1,2],"one":[3],"none":[]}'), '<jsonObject><array>1</array><array>2</array><one>3</one></jsonObject>');
  t.is(mi('[]'), '<jsonArray></jsonArray>');
  t.is(mi('[1, []]'), '<jsonArray><jsonElement>1</jsonElement><jsonElement><jsonArray></jsonArray></jsonElement></jsonArray>');
  t.is(toJson(mi('{"array":[1,2],"one":[3],"none":[]}')), '{"array":[1,2],"one":3}');
  t.is(toJson(mi('[[1]]')), '[[1]]');
});

test('JSON to XML: names WSO2 prefixes, attributes and text members, numbers kept digit for digit', (t) => {
  t.is(toXml('{"1st":1,"$id":2}'), '<jsonObject><_JsonReader_PD_1st>1</_JsonReader_PD_1st><_JsonReader_PS_id>2</_JsonReader_PS_id></jsonObject>');
  t.is(toXml('{"a":{"@n":"1\\"2","$":"t"}}'), '<jsonObject><a n="1&quot;2">t</a></jsonObject>');
  t.is(toXml('{"n":123456789012345678901234567890.5e+300}'), '<jsonObject><n>123456789012345678901234567890.5e+300</n></jsonObject>');
  t.is(toXml('{"__proto__":{"polluted":1},"constructor":2}'), '<jsonObject><__proto__><polluted>1</polluted></__proto__><constructor>2</constructor></jsonObject>');
  t.is(({} as Record<string, unknown>)['polluted'], undefined);
});

test('hostile or unconvertible JSON is a clear fault, never a crash', (t) => {
  t.is(code(() => toXml('{"a":1,"a":2}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a b":1}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"p:q":1}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"":1}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('"just a string"')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a":"\\u0001"}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a":"\\ud800"}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a":{"b":1,"@c":2}}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a":{"@c":{"d":1}}}')), 'MOOR_ERR_JSON_TO_XML');
  t.is(code(() => toXml('{"a":1')), 'MOOR_ERR_MALFORMED_JSON');
  t.is(code(() => toXml('{"a":01}')), 'MOOR_ERR_MALFORMED_JSON');
  t.is(code(() => toXml('{"a":1}x')), 'MOOR_ERR_MALFORMED_JSON');
  t.is(code(() => toXml('{"a":tru}')), 'MOOR_ERR_MALFORMED_JSON');
  t.is(code(() => toXml('{"a":"\\x"}')), 'MOOR_ERR_MALFORMED_JSON');
  // nesting: 100 000 levels are refused at the limit, not by the stack
  t.is(code(() => toXml('['.repeat(100_000))), 'MOOR_ERR_MESSAGE_TOO_LARGE');
  t.is(code(() => toXml('{"a":'.repeat(100_000))), 'MOOR_ERR_MESSAGE_TOO_LARGE');
  t.is(code(() => toXml(`{"a":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}`)), undefined);
  t.is(code(() => toXml(`{"a":${'{"a":'.repeat(61)}1${'}'.repeat(61)}}`)), 'MOOR_ERR_MESSAGE_TOO_LARGE');
  // amplification: [1,1,…] grows thirteen-fold as XML; the bound stops it while it is written
  t.is(code(() => jsonToXml(`[${Array(100_000).fill(1).join(',')}]`, { maxDepth: 64, maxChars: 1_000_000 })), 'MOOR_ERR_MESSAGE_TOO_LARGE');
  t.is(code(() => jsonToXml(`{"n":${'9'.repeat(1_000_000)}}`, bounds)), undefined);
});

test('XML to JSON: the root dropped, repeated siblings as arrays, auto-primitive, attributes, text, namespaces dropped', (t) => {
  t.is(toJson('<jsonObject><a>1</a><a>2</a><b>007</b><c>true</c><d>x</d><e/><f>-1.5e3</f></jsonObject>'), '{"a":[1,2],"b":"007","c":true,"d":"x","e":null,"f":-1.5e3}');
  t.is(toJson('<jsonObject/>'), '{}');
  t.is(toJson('<jsonArray><jsonElement>1</jsonElement><jsonElement><x>y</x></jsonElement></jsonArray>'), '[1,{"x":"y"}]');
  t.is(toJson('<m:getQuoteResponse xmlns:m="urn:q"><m:return m:type="Q" n="2">IBM</m:return></m:getQuoteResponse>'), '{"getQuoteResponse":{"return":{"@type":"Q","@n":2,"$":"IBM"}}}');
  t.is(toJson('<r>\n  <a>1</a>\n  <b>2</b>\n  <a>3</a>\n</r>'), '{"r":{"a":[1,3],"b":2}}');
  t.is(toJson('<jsonObject><?xml-multiple a?><a>1</a><?xml-multiple b?></jsonObject>'), '{"a":[1],"b":[]}');
  t.is(toJson('<jsonObject><_JsonReader_PD_1st>1</_JsonReader_PD_1st><_JsonReader_PS_id>x</_JsonReader_PS_id></jsonObject>'), '{"1st":1,"$id":"x"}');
  t.is(toJson('<jsonObject><__proto__>1</__proto__><n>123456789012345678901234567890</n></jsonObject>'), '{"__proto__":1,"n":123456789012345678901234567890}');
  t.is(toJson('<r><![CDATA[ ]]></r>'), '{"r":" "}');
});

/** JSON values without the cases WSO2's rules cannot tell apart (see the file headers). */
const key = fc.stringMatching(/^[a-zA-Z1$][a-z0-9_]{0,5}$/).filter((k) => k !== 'jsonArray' && k !== 'jsonObject' && k !== 'jsonElement' && k !== '$');
const scalar = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)).filter((d) => d !== '-0'),
  fc.constantFrom('true', 'false'),
  // strings that stay strings: not empty, not a number or boolean's text, not blank
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s.trim() !== '' && !/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(s) && s !== 'true' && s !== 'false' && !/[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/.test(s)).map((s) => JSON.stringify(s)),
);
const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.uniqueArray(fc.tuple(key, tie('v')), { selector: ([k]) => k, minLength: 1, maxLength: 4 }).map((ms) => `{${ms.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
  ),
})).v;
const top = fc.oneof(
  fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 4 }).map((ms) => `{${ms.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  fc.array(value, { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
);

test('JSON to XML to JSON gives the JSON back, for JSON without the ambiguous cases', (t) => {
  fc.assert(
    fc.property(top, (json) => {
      const xml = toXml(json);
      // the XML is well-formed and gives the same value back
      return t.deepEqual(JSON.parse(toJson(xml)), JSON.parse(json));
    }),
    { numRuns: 400 },
  );
});
