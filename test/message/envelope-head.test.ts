import { DOMParser, type Element } from '@xmldom/xmldom';
import test from 'ava';
import { EnvelopeHead } from '../../src/message/envelope-head.ts';
import { childIn, childNamed, element, textOf, type XmlElement } from '../../src/xml/element.ts';
import { NS, WSA_NAMESPACES } from '../../src/xml/names.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';
import { bodyOf, contextOf, forwarded, headOf } from '../fixtures/messages.ts';

const XMLNS = 'http://www.w3.org/2000/xmlns/';

/** A header block reduced to what a reader of it sees: names, attributes, text, children. */
interface Shape {
  readonly name: string;
  readonly attributes: string[];
  readonly text: string;
  readonly children: Shape[];
}

function shapeOfOurs(el: XmlElement): Shape {
  return {
    name: `{${el.name.uri}}${el.name.local}`,
    attributes: el.attributes.map((a) => `{${a.name.uri}}${a.name.local}=${a.value}`).sort(),
    text: textOf(el),
    children: el.children.filter((c): c is XmlElement => c.type === 'element').map(shapeOfOurs),
  };
}

function shapeOfDom(el: Element): Shape {
  const attributes: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.namespaceURI !== XMLNS) attributes.push(`{${a.namespaceURI ?? ''}}${a.localName}=${a.value}`);
  }
  const children: Shape[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) children.push(shapeOfDom(c as Element));
  return { name: `{${el.namespaceURI ?? ''}}${el.localName}`, attributes: attributes.sort(), text: el.textContent ?? '', children };
}

/** The header blocks of `bytes` according to xmldom, an independent namespace-aware parser. */
function domBlocks(bytes: Buffer): Shape[] {
  const doc = new DOMParser().parseFromString(bytes.toString('utf8'), 'text/xml');
  const env = doc.documentElement!;
  for (let c = env.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === 'Header') {
      const blocks: Shape[] = [];
      for (let b = c.firstChild; b; b = b.nextSibling) if (b.nodeType === 1) blocks.push(shapeOfDom(b as Element));
      return blocks;
    }
  }
  return [];
}

/**
 * The MoorError code that reading and parsing the head of `bytes`, then forwarding the rest through the
 * streaming check, ends with; or 'ok'.
 */
async function outcome(bytes: Buffer | string, chunk = 0): Promise<string> {
  try {
    const body = bodyOf(bytes, { chunk });
    const h = await body.readHead();
    EnvelopeHead.parse(h.bytes, h.boundary, h.text);
    await forwarded(body);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? `not a MoorError: ${String(e)}`;
  }
}

// ---------------------------------------------------------------- WS-Addressing, both namespaces

const ADDRESSING = {
  to: 'http://localhost:8081/axis/services/BankPort',
  action: 'http://ws.apache.org/tests/action',
  messageId: 'uuid:920C5190-0B8F-11D9-8CED-F22EDEEBF7E5',
  replyTo: 'http://example.com/fabrikam/acct',
  relatesTo: 'http://some.previous.message',
};

for (const [set, uri, other] of [
  ['final', NS.wsa, NS.wsaSubmission],
  ['submission', NS.wsaSubmission, NS.wsa],
] as const) {
  test(`WS-Addressing ${set}: To, Action, MessageID, ReplyTo and RelatesTo are read, MessageID trimmed`, async (t) => {
    const bytes = await corpusFile(`${CORPUS_DIRS.addressing}/valid-messages/${set}/soapmessage.xml`);
    const head = await headOf(bytes);
    t.is(head.version, '1.1');
    t.deepEqual(head.addressing, ADDRESSING);
    const messageId = head.blockIn([uri], 'MessageID')!;
    t.not(textOf(messageId), ADDRESSING.messageId, 'the corpus puts whitespace around the MessageID');
    t.is(head.blockIn([other], 'MessageID'), undefined, 'the blocks are in this set’s namespace only');
    const params = childIn(head.blockIn([uri], 'ReplyTo')!, WSA_NAMESPACES, 'ReferenceParameters')!;
    t.is(textOf(childNamed(params, { uri: 'http://example.com/fabrikam', local: 'CustomerKey' })!), '123456789');
    // extension attributes and the second RelatesTo (with RelationshipType) are kept on the blocks
    t.is(messageId.attributes.find((a) => a.name.local === 'AttrExt')?.name.uri, NS.axis2);
    t.is(head.blocks.filter((b) => b.name.local === 'RelatesTo').length, 2);
  });
}

test('WS-Addressing custom-role messages: both sets of blocks are kept in order; the first is what addressing reports', async (t) => {
  for (const [file, version] of [
    ['valid-messages/final/soapmessage.customrole.xml', '1.1'],
    ['valid-messages/final/soapmessage.customrole.soap12.xml', '1.2'],
    ['valid-messages/submission/soapmessage.customrole.xml', '1.1'],
  ] as const) {
    const head = await headOf(await corpusFile(`${CORPUS_DIRS.addressing}/${file}`));
    t.is(head.version, version, file);
    const ids = head.blocks.filter((b) => b.name.local === 'MessageID');
    t.deepEqual(ids.map((b) => textOf(b).trim()), ['invalid-notinrole', ADDRESSING.messageId], file);
    t.is(head.addressing.messageId, 'invalid-notinrole', file);
    // SOAP 1.1 names the target actor, SOAP 1.2 role
    const target = ids[1]!.attributes.find((a) => a.name.local === (version === '1.1' ? 'actor' : 'role'));
    t.is(target?.value, 'http://my/custom/role', file);
  }
});

test('every message of the addressing test resources parses, with the header blocks an independent parser finds', async (t) => {
  const files = await corpusFiles(CORPUS_DIRS.addressing);
  t.true(files.length >= 40);
  for (const file of files) {
    const bytes = await corpusFile(file);
    const head = await headOf(bytes);
    t.deepEqual(head.blocks.map(shapeOfOurs), domBlocks(bytes), file);
  }
});

// ---------------------------------------------------------------- W3C SOAP 1.2 test collection

/** Requests of the collection that must be refused, and why. */
const SOAP12_REFUSED: Record<string, string> = {
  'SOAP12ReqT7_A.xml': 'MOOR_ERR_MALFORMED_XML', // not well-formed: opens test:Ignore, closes test:echoOk
  'SOAP12ReqT8_A.xml': 'MOOR_ERR_MALFORMED_XML', // the same typo
  'SOAP12ReqT24.xml': 'MOOR_ERR_VERSION_MISMATCH', // http://wrong-version/
  'SOAP12ReqT25.xml': 'MOOR_ERR_DOCTYPE', // a DTD before the Envelope
  'SOAP12ReqT26.xml': 'MOOR_ERR_NOT_ENVELOPE', // an xml-stylesheet processing instruction before the Body
  'SOAP12ReqT30.xml': 'MOOR_ERR_VERSION_MISMATCH', // the SOAP 1.1 namespace without its trailing slash
  'SOAP12ReqT69.xml': 'MOOR_ERR_NOT_ENVELOPE', // a Header and no Body
};

test('SOAP 1.2 test collection: every well-formed request parses as SOAP 1.2 with the right header blocks', async (t) => {
  const files = await corpusFiles(CORPUS_DIRS.soap12Requests);
  t.is(files.length, 54);
  let parsed = 0;
  for (const file of files) {
    const name = file.split('/').pop()!;
    if (name in SOAP12_REFUSED) continue;
    const bytes = await corpusFile(file);
    const head = await headOf(bytes);
    t.is(head.version, '1.2', name);
    t.deepEqual(head.blocks.map(shapeOfOurs), domBlocks(bytes), name);
    parsed++;
  }
  t.is(parsed, 54 - Object.keys(SOAP12_REFUSED).length);
});

test('SOAP 1.2 test collection: the broken requests are refused with the right code', async (t) => {
  for (const [name, code] of Object.entries(SOAP12_REFUSED)) {
    t.is(await outcome(await corpusFile(`${CORPUS_DIRS.soap12Requests}/${name}`)), code, name);
  }
});

test('SOAP 1.2 test collection: T62_A carries three header blocks with role and mustUnderstand', async (t) => {
  const head = await headOf(await corpusFile(`${CORPUS_DIRS.soap12Requests}/SOAP12ReqT62_A.xml`));
  t.deepEqual(
    head.blocks.map((b) => [b.name.local, textOf(b).trim()]),
    [
      ['concatAndForwardEchoOk', ''],
      ['concatAndForwardEchoOkArg1', 'StringA'],
      ['concatAndForwardEchoOkArg2', 'StringB'],
    ],
  );
  for (const b of head.blocks) {
    t.is(b.attributes.find((a) => a.name.uri === NS.soap12 && a.name.local === 'mustUnderstand')?.value, '1');
    t.is(b.attributes.find((a) => a.name.uri === NS.soap12 && a.name.local === 'role')?.value, 'http://example.org/ts-tests/B');
  }
});

// ---------------------------------------------------------------- axiom: valid and bad SOAP

/**
 * Axiom takes SOAP 1.1's "MAY contain additional sub elements [after the Body]" literally; moor holds
 * SOAP 1.1 to WS-I Basic Profile R1011 (no element child of the Envelope after the Body), as SOAP 1.2 does.
 */
const AFTER_BODY = 'soap11/additional-element-after-body.xml';

test('axiom valid messages: every SOAP 1.1 and 1.2 message parses, in its version', async (t) => {
  const files = await corpusFiles(CORPUS_DIRS.axiomGood);
  t.is(files.length, 10);
  for (const file of files) {
    const bytes = await corpusFile(file);
    if (file.endsWith(AFTER_BODY)) {
      t.is(await outcome(bytes), 'MOOR_ERR_NOT_ENVELOPE', file);
      continue;
    }
    const head = await headOf(bytes);
    t.is(head.version, file.includes('/soap12/') ? '1.2' : '1.1', file);
    t.deepEqual(head.blocks.map(shapeOfOurs), domBlocks(bytes), file);
  }
});

/**
 * Every axiom negative case: a MoorError code (from the head, or from the streaming check of the rest),
 * or 'forwarded' where the defect is in what a Fault says, which is the body's business: those are
 * forwarded byte for byte and the backend judges them.
 */
const BADSOAP: Record<string, string> = {
  'wrongSoapNs.xml': 'MOOR_ERR_VERSION_MISMATCH',
  'notnamespaceQualified.xml': 'MOOR_ERR_VERSION_MISMATCH', // an Envelope in no namespace
  'soap11/envelopeMissing.xml': 'MOOR_ERR_NOT_ENVELOPE',
  'soap11/twoheaders.xml': 'MOOR_ERR_NOT_ENVELOPE',
  'soap12/header-bad-case.xml': 'MOOR_ERR_NOT_ENVELOPE', // <env:HeaDER> is taken as the first non-Header child
  'soap12/header-no-namespace.xml': 'MOOR_ERR_MALFORMED_XML', // as shipped its attribute reads mustUnderstand=\"true\"
  'soap11/haederBodyWrongOrder.xml': 'MOOR_ERR_NOT_ENVELOPE', // the Header comes after the Body
  'soap11/twoBodymessage.xml': 'MOOR_ERR_NOT_ENVELOPE',
  'soap12/additional-element-after-body.xml': 'MOOR_ERR_NOT_ENVELOPE',
  'soap11/processing-instruction.xml': 'MOOR_ERR_NOT_ENVELOPE', // the instruction sits inside the Body
  'soap12/processing-instruction.xml': 'MOOR_ERR_NOT_ENVELOPE',
  'soap11/entity-reference.xml': 'MOOR_ERR_MALFORMED_XML', // the reference sits inside the Body
  'soap12/entity-reference.xml': 'MOOR_ERR_MALFORMED_XML',
  'soap11/invalid-faultactor.xml': 'forwarded', // a Fault's inner shape is the body's business
  'soap11/invalid-faultcode.xml': 'forwarded',
  'soap11/invalid-faultstring.xml': 'forwarded',
};

test('axiom bad SOAP: every negative case is either refused with its code or, past the Body start, forwarded untouched', async (t) => {
  const files = (await corpusFiles(CORPUS_DIRS.axiomBad)).map((f) => f.slice(CORPUS_DIRS.axiomBad.length + 1));
  t.deepEqual(files, Object.keys(BADSOAP).sort(), 'every file of the corpus folder has an expectation');
  for (const [file, expected] of Object.entries(BADSOAP)) {
    const bytes = await corpusFile(`${CORPUS_DIRS.axiomBad}/${file}`);
    if (expected !== 'forwarded') {
      t.is(await outcome(bytes), expected, file);
      continue;
    }
    const body = bodyOf(bytes);
    const h = await body.readHead();
    t.notThrows(() => EnvelopeHead.parse(h.bytes, h.boundary, h.text), file);
    t.true((await forwarded(body)).equals(bytes), `${file} reaches the backend byte for byte`);
  }
});

test('axiom bad SOAP: the same defects inside the head are refused', async (t) => {
  const dir = CORPUS_DIRS.axiomBad;
  // a Header in no namespace, and a misspelt Header, once the stray backslashes are repaired
  const noNs = (await corpusFile(`${dir}/soap12/header-no-namespace.xml`)).toString().replaceAll('\\"', '"');
  t.is(await outcome(noNs), 'MOOR_ERR_NOT_ENVELOPE');
  await t.throwsAsync(headOf(noNs), { message: /Header element is not in the SOAP envelope namespace/ });
  const badCase = (await corpusFile(`${dir}/soap12/header-bad-case.xml`)).toString().replaceAll('\\"', '"');
  await t.throwsAsync(headOf(badCase), { code: 'MOOR_ERR_NOT_ENVELOPE', message: /HeaDER/ });
  // the body's content moved into a Header: a processing instruction, an undeclared entity
  for (const version of ['soap11', 'soap12']) {
    const pi = (await corpusFile(`${dir}/${version}/processing-instruction.xml`)).toString();
    t.is(await outcome(intoHeader(pi)), 'MOOR_ERR_NOT_ENVELOPE', `${version} processing instruction`);
    const entity = (await corpusFile(`${dir}/${version}/entity-reference.xml`)).toString();
    t.is(await outcome(intoHeader(entity)), 'MOOR_ERR_MALFORMED_XML', `${version} entity reference`);
  }
});

/** Moves the Body's content into a Header before an empty Body. */
function intoHeader(xml: string): string {
  return xml.replace(/<soapenv:Body>([\s\S]*)<\/soapenv:Body>/, '<soapenv:Header>$1</soapenv:Header><soapenv:Body/>');
}

test('a streamed message with an undeclared entity in its body is refused while forwarding, before its last chunk', async (t) => {
  const bytes = await corpusFile(`${CORPUS_DIRS.axiomBad}/soap11/entity-reference.xml`);
  const body = bodyOf(bytes, { chunk: 64 });
  const h = await body.readHead();
  t.is(EnvelopeHead.parse(h.bytes, h.boundary, h.text).version, '1.1');
  const parts: Buffer[] = [];
  await t.throwsAsync(
    (async () => {
      for await (const c of body.open()) parts.push(c);
    })(),
    { code: 'MOOR_ERR_MALFORMED_XML', message: /entityref/ },
  );
  t.true(Buffer.concat(parts).length < bytes.length, 'the message was not handed on whole');
});

// ---------------------------------------------------------------- chunking

test('every corpus message gives the same head delivered one byte at a time as in one piece', async (t) => {
  const files = [
    ...(await corpusFiles(CORPUS_DIRS.addressing)),
    ...(await corpusFiles(CORPUS_DIRS.soap12Requests)),
    ...(await corpusFiles(CORPUS_DIRS.axiomGood)),
    ...(await corpusFiles(CORPUS_DIRS.axiomBad)),
  ];
  for (const file of files) {
    const bytes = await corpusFile(file);
    const whole = await outcome(bytes);
    t.is(await outcome(bytes, 1), whole, file);
    if (whole !== 'ok') continue;
    const [a, b] = [await headOf(bytes), await headOf(bytes, { chunk: 1 })];
    t.is(b.version, a.version, file);
    t.deepEqual(b.blocks.map(shapeOfOurs), a.blocks.map(shapeOfOurs), file);
  }
});

// ---------------------------------------------------------------- shapes of heads

const S11 = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

test('a BOM and an XML declaration before the Envelope are fine, whole or byte by byte', async (t) => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope ${S11}><soapenv:Header><a:Id xmlns:a="urn:a">é1</a:Id></soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
  for (const chunk of [0, 1]) {
    const head = await headOf(bytes, { chunk });
    t.is(textOf(head.block({ uri: 'urn:a', local: 'Id' })!), 'é1');
  }
});

test('names, prefixes, namespace names and values beyond ASCII read as an independent parser reads them, whole or byte by byte', async (t) => {
  // the scanner reads bytes through a latin1 view: every non-ASCII name must still come out as UTF-8
  const xml =
    `<sœp:Envelope xmlns:sœp="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ü="urn:ünïcode:名前"><sœp:Header>` +
    `<ü:Kundennummer ü:Größe="groß" plain="☃">Müller-名前</ü:Kundennummer>` +
    `<ü:Wrapper><ü:Naïve ü:é="1">x</ü:Naïve></ü:Wrapper>` +
    `</sœp:Header><sœp:Body/></sœp:Envelope>`;
  const uri = 'urn:ünïcode:名前';
  for (const chunk of [0, 1]) {
    // blocks looked up one by one come from the scan's index (the text-only one read without a parser)…
    const scanned = await headOf(xml, { chunk });
    const block = scanned.block({ uri, local: 'Kundennummer' })!;
    t.is(textOf(block), 'Müller-名前');
    t.is(block.prefix, 'ü');
    t.deepEqual(block.attributes.map((a) => [a.raw, a.name.uri, a.value]), [['ü:Größe', uri, 'groß'], ['plain', '', '☃']]);
    t.is(textOf(childNamed(scanned.block({ uri, local: 'Wrapper' })!, { uri, local: 'Naïve' })!), 'x');
    // …and agree with the whole head parsed, and with xmldom
    const parsed = await headOf(xml, { chunk });
    t.deepEqual(parsed.blocks.map(shapeOfOurs), domBlocks(Buffer.from(xml)), `chunk ${chunk}`);
    t.deepEqual(shapeOfOurs(block), shapeOfOurs(parsed.blocks[0]!));
  }
});

test('comments and CDATA in the Header: CDATA is text, comments are not', async (t) => {
  const head = await headOf(
    `<soapenv:Envelope ${S11}><soapenv:Header><!-- a note --><a:Id xmlns:a="urn:a"><!-- x -->4<![CDATA[<2>&amp;]]></a:Id></soapenv:Header><soapenv:Body/></soapenv:Envelope>`,
  );
  t.is(head.blocks.length, 1);
  t.is(textOf(head.blocks[0]!), '4<2>&amp;');
});

test('character references and the predefined entities are decoded; an undeclared entity is refused', async (t) => {
  const head = await headOf(`<soapenv:Envelope ${S11}><soapenv:Header><a:Id xmlns:a="urn:a" v="&#x41;&lt;">&#65;&#x42;&amp;&quot;&#x1F600;</a:Id></soapenv:Header><soapenv:Body/></soapenv:Envelope>`);
  const block = head.blocks[0]!;
  t.is(textOf(block), 'AB&"😀');
  t.is(block.attributes[0]!.value, 'A<');
  await t.throwsAsync(headOf(`<soapenv:Envelope ${S11}><soapenv:Header><a>&nbsp;</a></soapenv:Header><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_MALFORMED_XML',
    message: /&nbsp;/,
  });
  await t.throwsAsync(headOf(`<soapenv:Envelope ${S11}><soapenv:Header><a>&#0;</a></soapenv:Header><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_MALFORMED_XML',
  });
});

test('default namespaces and odd prefixes resolve to the same names', async (t) => {
  const id = { uri: 'urn:acme', local: 'Session' };
  const variants = [
    `<soapenv:Envelope ${S11}><soapenv:Header><a:Session xmlns:a="urn:acme">k</a:Session></soapenv:Header><soapenv:Body/></soapenv:Envelope>`,
    `<Envelope xmlns="${NS.soap11}"><Header><Session xmlns="urn:acme">k</Session></Header><Body/></Envelope>`,
    `<_.x-1:Envelope xmlns:_.x-1="${NS.soap11}" xmlns:soapenv="urn:acme"><_.x-1:Header><soapenv:Session>k</soapenv:Session></_.x-1:Header><_.x-1:Body/></_.x-1:Envelope>`,
    // a prefix rebound on the block itself wins over the Envelope's binding
    `<p:Envelope xmlns:p="${NS.soap11}"><p:Header xmlns:q="urn:other"><q:Session xmlns:q="urn:acme">k</q:Session></p:Header><p:Body/></p:Envelope>`,
  ];
  for (const xml of variants) {
    const head = await headOf(xml);
    t.is(head.version, '1.1', xml);
    t.is(textOf(head.block(id)!), 'k', xml);
  }
  // an unprefixed attribute is in no namespace, even under a default namespace
  const head = await headOf(variants[1]!.replace('<Session xmlns="urn:acme">', '<Session xmlns="urn:acme" id="7">'));
  t.deepEqual(head.blocks[0]!.attributes.map((a) => a.name), [{ uri: '', local: 'id' }]);
  await t.throwsAsync(headOf(`<soapenv:Envelope ${S11}><soapenv:Header><q:a>t</q:a></soapenv:Header><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_MALFORMED_XML',
    message: /prefix "q"/,
  });
});

test('attributes resolve in any order, a namespace declaration before or after its use', async (t) => {
  const attrs = ['soapenv:mustUnderstand="1"', 'w:x="1"', 'xmlns:w="http://www.w3.org/2005/08/addressing"', 'plain="p"'];
  for (const order of [attrs, [...attrs].reverse(), [attrs[2], attrs[0], attrs[3], attrs[1]]]) {
    const head = await headOf(`<soapenv:Envelope ${S11}><soapenv:Header><w:To ${order.join(' ')}>http://to</w:To></soapenv:Header><soapenv:Body/></soapenv:Envelope>`);
    t.is(head.addressing.to, 'http://to');
    t.deepEqual(
      head.blocks[0]!.attributes.map((a) => `{${a.name.uri}}${a.name.local}=${a.value}`).sort(),
      [`{${NS.soap11}}mustUnderstand=1`, `{${NS.wsa}}x=1`, '{}plain=p'],
    );
  }
});

test('a header block with an attribute that a JavaScript object cannot hold is refused as malformed, not an internal error', async (t) => {
  await t.throwsAsync(headOf(`<soapenv:Envelope ${S11}><soapenv:Header><a __proto__="x">t</a></soapenv:Header><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_MALFORMED_XML',
  });
});

test('envelope shape: the Body must follow the Header, be in the Envelope namespace, and exist', async (t) => {
  t.is(await outcome(`<soapenv:Envelope ${S11}><soapenv:Body/></soapenv:Envelope>`), 'ok');
  t.is(await outcome(`<soapenv:Envelope ${S11}><Body/></soapenv:Envelope>`), 'MOOR_ERR_NOT_ENVELOPE');
  t.is(await outcome(`<soapenv:Envelope ${S11}><x:Body xmlns:x="${NS.soap12}"/></soapenv:Envelope>`), 'MOOR_ERR_NOT_ENVELOPE');
  t.is(await outcome(`<soapenv:Envelope ${S11}><soapenv:Header/></soapenv:Envelope>`), 'MOOR_ERR_NOT_ENVELOPE');
  t.is(await outcome(`<soapenv:Envelope ${S11}/>`), 'MOOR_ERR_NOT_ENVELOPE');
  t.is(await outcome(`<soapenv:Envelope ${S11}><soapenv:Header>`), 'MOOR_ERR_MALFORMED_XML');
  t.is(await outcome(''), 'MOOR_ERR_NOT_ENVELOPE');
  t.is(await outcome(`<Envelope><Body/></Envelope>`), 'MOOR_ERR_VERSION_MISMATCH');
  t.is(await outcome(`<soapenv:Foo ${S11}><soapenv:Body/></soapenv:Foo>`), 'MOOR_ERR_NOT_ENVELOPE');
});

// ---------------------------------------------------------------- rewriting the head

const ORIGINAL =
  `<?xml version="1.0"?>\n<soapenv:Envelope ${S11} xmlns:a="urn:a">\n  <soapenv:Header xmlns:h="urn:h">\n` +
  `    <a:Keep v="&#x41;">x &amp; &#65;</a:Keep>\n    <h:Route>old</h:Route>\n    <a:Drop/>\n  </soapenv:Header>\n  ` +
  `<soapenv:Body><m:Op xmlns:m="urn:m">  payload &amp; <![CDATA[raw]]>  </m:Op></soapenv:Body>\n</soapenv:Envelope>\n`;

/** Applies `change` to the head of `message` and returns the bytes the gateway forwards. */
async function rewritten(message: string, change: (head: EnvelopeHead) => void, chunk = 0): Promise<Buffer> {
  const msg = contextOf(message, {}, 'request', { chunk });
  change(await msg.head());
  msg.commitHead();
  return forwarded(msg.body);
}

function bodyPart(bytes: Buffer | string): Buffer {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return b.subarray(b.indexOf('<soapenv:Body>'));
}

test('setBlock replaces a block in place; the rewritten bytes re-parse to the new header and the body is byte-identical', async (t) => {
  for (const chunk of [0, 1, 16]) {
    const out = await rewritten(
      ORIGINAL,
      (head) => {
        const route = element({ uri: 'urn:h', local: 'Route' }, 'h', [{ type: 'text', value: 'new <&> value' }]);
        head.setBlock(route);
        t.true(head.changed);
      },
      chunk,
    );
    const again = await headOf(out);
    t.deepEqual(again.blocks.map((b) => [b.name.local, textOf(b)]), [['Keep', 'x & A'], ['Route', 'new <&> value'], ['Drop', '']]);
    t.is(again.blocks[0]!.attributes[0]!.value, 'A', 'an untouched block keeps its values through the rewrite');
    t.true(bodyPart(out).equals(bodyPart(ORIGINAL)), `chunk ${chunk}: the body bytes are untouched`);
    t.true(out.subarray(0, out.indexOf('<soapenv:Header')).equals(Buffer.from(ORIGINAL.slice(0, ORIGINAL.indexOf('<soapenv:Header')))));
  }
});

test('removeBlock drops every block of the name and reports whether one was there', async (t) => {
  const out = await rewritten(ORIGINAL, (head) => {
    t.true(head.removeBlock({ uri: 'urn:a', local: 'Drop' }));
    t.false(head.removeBlock({ uri: 'urn:a', local: 'Absent' }));
  });
  t.deepEqual((await headOf(out)).blocks.map((b) => b.name.local), ['Keep', 'Route']);
  t.true(bodyPart(out).equals(bodyPart(ORIGINAL)));
});

test('setBlock on a message without a Header creates one in the Envelope namespace and prefix', async (t) => {
  for (const [xml, version] of [
    [`<soapenv:Envelope ${S11}>\n<soapenv:Body><x>1</x></soapenv:Body></soapenv:Envelope>`, '1.1'],
    [`<Envelope xmlns="${NS.soap12}"><Body><x xmlns="">1</x></Body></Envelope>`, '1.2'],
  ] as const) {
    const out = await rewritten(xml, (head) => head.setBlock(element({ uri: NS.synapse, local: 'ClientID' }, 'syn', [{ type: 'text', value: 'c-1' }])));
    const again = await headOf(out);
    t.is(again.version, version);
    t.is(textOf(again.block({ uri: NS.synapse, local: 'ClientID' })!), 'c-1');
    const body = xml.slice(xml.indexOf('Body') - (version === '1.1' ? 9 : 1));
    t.true(out.toString().endsWith(body), 'the body bytes follow unchanged');
  }
});

test('an unchanged head forwards the original bytes, and so does a change that removed nothing', async (t) => {
  const untouched = await rewritten(ORIGINAL, () => {});
  t.true(untouched.equals(Buffer.from(ORIGINAL)));
  const noop = await rewritten(ORIGINAL, (head) => t.false(head.removeBlock({ uri: 'urn:none', local: 'X' })));
  t.true(noop.equals(Buffer.from(ORIGINAL)));
});
