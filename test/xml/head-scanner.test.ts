import test from 'ava';
import { MoorError } from '../../src/errors.ts';
import { type HeadBoundary, type ScanResult } from '../../src/xml/head-index.ts';
import { HeadScanner, type ScanLimits } from '../../src/xml/head-scanner.ts';
import { XmlSyntaxError } from '../../src/xml/parse.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';

const LIMITS: ScanLimits = { maxHeadBytes: 1024 * 1024, maxDepth: 64, maxAttributes: 256 };
const SOAP11 = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

/** Scans the whole message at once. */
function scan(text: string | Buffer, limits: Partial<ScanLimits> = {}): ScanResult {
  return new HeadScanner({ ...LIMITS, ...limits }).scan(Buffer.isBuffer(text) ? text : Buffer.from(text));
}

/** Scans growing prefixes, one byte more each time, as a slow client would deliver them. */
function scanByteByByte(text: string | Buffer, limits: Partial<ScanLimits> = {}): { result: ScanResult; at: number } {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const scanner = new HeadScanner({ ...LIMITS, ...limits });
  for (let n = 1; n <= buf.length; n++) {
    const result = scanner.scan(buf.subarray(0, n));
    if (result !== 'more') return { result, at: n };
  }
  return { result: 'more', at: buf.length };
}

function boundary(r: ScanResult): HeadBoundary {
  if (typeof r === 'string') throw new Error(`expected a boundary, got ${r}`);
  return r;
}

const MESSAGE =
  `<?xml version="1.0" encoding="utf-8"?>\n<soapenv:Envelope ${SOAP11}>` +
  `<soapenv:Header><a:Id xmlns:a="urn:a">42</a:Id></soapenv:Header>\n  ` +
  `<soapenv:Body><m:Op xmlns:m="urn:m">payload</m:Op></soapenv:Body></soapenv:Envelope>`;

test('the boundary points at the Envelope start tag, the Header and the Body start tag', (t) => {
  const buf = Buffer.from(MESSAGE);
  const b = boundary(scan(buf));
  t.is(b.envelopeTag, 'soapenv:Envelope');
  t.true(buf.toString('utf8', 0, b.envelopeTagEnd).endsWith(`<soapenv:Envelope ${SOAP11}>`));
  t.truthy(b.header);
  t.is(buf.toString('utf8', b.header!.start, b.header!.end), '<soapenv:Header><a:Id xmlns:a="urn:a">42</a:Id></soapenv:Header>');
  t.is(buf.toString('utf8', b.bodyStart, b.bodyTagEnd), '<soapenv:Body>');
  t.is(b.bodyTag, 'soapenv:Body');
  t.false(b.bodySelfClosing);
});

test('a head delivered one byte at a time needs more until the Body start tag is complete, then gives the same boundary', (t) => {
  const whole = boundary(scan(MESSAGE));
  const { result, at } = scanByteByByte(MESSAGE);
  t.deepEqual(result, whole);
  t.is(at, whole.bodyTagEnd, 'the scan ends exactly at the > of the Body start tag, not later');
});

test('a start tag seen before gives the same result as the first time, at its new place; a bad one is refused every time', (t) => {
  // the Envelope tag is the same in every message, so the second scan finds it among the known tags
  const first = boundary(scan(MESSAGE));
  const shifted = `${' '.repeat(7)}${MESSAGE.replace('<?xml version="1.0" encoding="utf-8"?>\n', '')}`;
  const second = boundary(scan(shifted));
  t.is(second.envelopeTagEnd - 7, first.envelopeTagEnd - MESSAGE.indexOf('<soapenv:Envelope'));
  t.deepEqual(second.index, { ...first.index, blocks: first.index.blocks.map((b) => ({ ...b, start: b.start - MESSAGE.indexOf('<soapenv:Envelope') + 7, end: b.end - MESSAGE.indexOf('<soapenv:Envelope') + 7, tagEnd: b.tagEnd - MESSAGE.indexOf('<soapenv:Envelope') + 7 })) });
  // the same tag nested where its prefix is not declared is still refused, as is a bad root tag, twice
  for (let i = 0; i < 2; i++) {
    t.throws(() => scan(`<soapenv:Envelope ${SOAP11} x:y="1"><soapenv:Body/></soapenv:Envelope>`), { instanceOf: XmlSyntaxError, message: /prefix "x"/ });
    t.throws(() => scan(`<e:Envelope xmlns:s="urn:s"><soapenv:Body/></e:Envelope>`), { instanceOf: XmlSyntaxError, message: /prefix "e"/ });
    t.throws(() => scan(`<soapenv:Envelope ${SOAP11} a="1" a="2"><soapenv:Body/></soapenv:Envelope>`), { instanceOf: XmlSyntaxError, message: /twice/ });
  }
});

test('known tags are told apart by all their bytes, and a known tag resolves its name in the scope it is found in', (t) => {
  // same length, same middle and last character: only the namespace differs
  const blockUri = (block: string): string => boundary(scan(`<soapenv:Envelope ${SOAP11}><soapenv:Header>${block}x</p:B></soapenv:Header><soapenv:Body/></soapenv:Envelope>`)).index.blocks[0]!.name.uri;
  t.is(blockUri('<p:B xmlns:p="urn:aa">'), 'urn:aa');
  t.is(blockUri('<p:B xmlns:p="urn:ab">'), 'urn:ab');
  t.is(blockUri('<p:B xmlns:p="urn:aa">'), 'urn:aa');
  // the same <p:B> tag under Envelopes that bind p differently
  const under = (uri: string): string => boundary(scan(`<soapenv:Envelope ${SOAP11} xmlns:p="${uri}"><soapenv:Header><p:B>x</p:B></soapenv:Header><soapenv:Body/></soapenv:Envelope>`)).index.blocks[0]!.name.uri;
  t.is(under('urn:one'), 'urn:one');
  t.is(under('urn:two'), 'urn:two');
  t.is(under('urn:one'), 'urn:one');
});

test('without a Header the boundary has none; a self-closing Header and Body are recognised', (t) => {
  const noHeader = boundary(scan(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x/></s:Body></s:Envelope>`));
  t.is(noHeader.header, undefined);
  const selfClosing = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>`;
  const b = boundary(scan(selfClosing));
  t.is(selfClosing.slice(b.header!.start, b.header!.end), '<s:Header/>');
  t.true(b.bodySelfClosing);
  t.is(selfClosing.slice(b.bodyStart, b.bodyTagEnd), '<s:Body/>');
});

test('a root that closes before any Body is reported as ended', (t) => {
  t.is(scan(`<soapenv:Envelope ${SOAP11}><soapenv:Header><a/></soapenv:Header></soapenv:Envelope>`), 'ended');
  t.is(scan(`<soapenv:Envelope ${SOAP11}/>`), 'ended');
});

test('comments, CDATA and quoted > in the Header do not end the head early', (t) => {
  const text =
    `<soapenv:Envelope ${SOAP11}><soapenv:Header>` +
    `<!-- <soapenv:Body> --><a x="1 > 0" y='"/>'><![CDATA[</soapenv:Header><soapenv:Body>]]></a>` +
    `</soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
  const b = boundary(scan(text));
  t.is(text.slice(b.bodyStart), '<soapenv:Body/></soapenv:Envelope>');
  t.deepEqual(scanByteByByte(text).result, b);
});

test('start tags may spread over lines with tabs, and end tags may carry trailing space', (t) => {
  const text = `<soapenv:Envelope\n\t${SOAP11}\r\n><soapenv:Header\n><a\t\n>x</a  ></soapenv:Header\n><soapenv:Body\n/></soapenv:Envelope>`;
  const b = boundary(scan(text));
  t.is(b.bodyTag, 'soapenv:Body');
  t.true(b.bodySelfClosing);
});

test('a UTF-8 byte order mark and the XML declaration may precede the Envelope', (t) => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const buf = Buffer.concat([bom, Buffer.from(MESSAGE)]);
  const b = boundary(scan(buf));
  t.is(buf.toString('utf8', b.bodyStart, b.bodyTagEnd), '<soapenv:Body>');
  t.deepEqual(scanByteByByte(buf).result, b);
});

test('a DOCTYPE is refused as soon as its nine bytes are there, before its declarations are read', (t) => {
  const text = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><soapenv:Envelope ${SOAP11}><soapenv:Body/></soapenv:Envelope>`;
  const at = text.indexOf('<!DOCTYPE');
  t.is(scan(text.slice(0, at + 8)), 'more', 'eight bytes could still be a comment or CDATA');
  const err = t.throws(() => scan(text.slice(0, at + 9)), { instanceOf: MoorError });
  t.is(err?.code, 'MOOR_ERR_DOCTYPE');
  t.throws(() => scan(text.replace('DOCTYPE', 'doctype')), { code: 'MOOR_ERR_DOCTYPE' });
});

test('a DOCTYPE inside the Envelope (before the Body) is refused too', (t) => {
  t.throws(() => scan(`<soapenv:Envelope ${SOAP11}><soapenv:Header><!DOCTYPE x></soapenv:Header><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_DOCTYPE',
  });
});

test('processing instructions are refused; only the XML declaration, first, is allowed', (t) => {
  const pi = `<soapenv:Envelope ${SOAP11}><soapenv:Header><?app do-something?></soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
  t.throws(() => scan(pi), { code: 'MOOR_ERR_NOT_ENVELOPE', message: /processing instructions/ });
  t.throws(() => scan(`<?xml-stylesheet href="a.xsl"?><soapenv:Envelope ${SOAP11}><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_NOT_ENVELOPE',
  });
  // the declaration must be the very first thing in the document
  t.throws(() => scan(`<!-- c --><?xml version="1.0"?><soapenv:Envelope ${SOAP11}><soapenv:Body/></soapenv:Envelope>`), {
    code: 'MOOR_ERR_NOT_ENVELOPE',
  });
});

test('mismatched end tags are malformed XML, with the offset of the culprit', (t) => {
  const text = `<soapenv:Envelope ${SOAP11}><soapenv:Header><a></b></soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
  const err = t.throws(() => scan(text), { instanceOf: XmlSyntaxError });
  t.is(err?.code, 'MOOR_ERR_MALFORMED_XML');
  t.is(err?.offset, text.indexOf('</b>'));
  t.throws(() => scan(`</soapenv:Envelope>`), { code: 'MOOR_ERR_MALFORMED_XML', message: /expected <\/\(nothing\)>/ });
});

/** An envelope whose header nests `depth` elements below the Envelope. */
function nested(depth: number): string {
  const inner = depth - 2; // Envelope and Header are two of the levels
  return `<soapenv:Envelope ${SOAP11}><soapenv:Header>${'<d>'.repeat(inner)}${'</d>'.repeat(inner)}</soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
}

test('a raw control character anywhere in the head is refused as malformed, in one chunk or byte by byte; a Body byte is left to the check of the rest', (t) => {
  for (const bad of ['\u0001', '\u0008', '\u000b', '\u001f']) {
    for (const xml of [MESSAGE.replace('>42<', `>4${bad}2<`), MESSAGE.replace('xmlns:a="urn:a"', `xmlns:a="urn:a" v="${bad}"`), MESSAGE.replace('\n  ', `\n${bad} `)]) {
      t.throws(() => scan(xml), { instanceOf: XmlSyntaxError, message: /control character/ });
      t.throws(() => scanByteByByte(xml), { instanceOf: XmlSyntaxError, message: /control character/ });
    }
  }
  // tab, line feed and carriage return are white space, not control characters
  t.notThrows(() => boundary(scan(MESSAGE.replace('>42<', '>4\t\r\n2<'))));
  // the scan stops at the Body start tag: what follows is the streaming check's (envelope-check.ts)
  t.notThrows(() => boundary(scan(MESSAGE.replace('payload', 'pay\u0001load'))));
});

test('maxDepth: nesting up to the limit passes, one level deeper is refused as too large', (t) => {
  t.is(boundary(scan(nested(10), { maxDepth: 10 })).bodyTag, 'soapenv:Body');
  t.throws(() => scan(nested(11), { maxDepth: 10 }), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE', message: /deeper than 10/ });
});

test('maxAttributes: namespace declarations count, an = inside a quoted value does not', (t) => {
  // the Envelope carries one attribute (its xmlns:soapenv)
  const withAttrs = (n: number): string =>
    `<soapenv:Envelope ${SOAP11}><soapenv:Header><a ${Array.from({ length: n }, (_, i) => `a${i}="x=y"`).join(' ')}/></soapenv:Header><soapenv:Body/></soapenv:Envelope>`;
  t.is(boundary(scan(withAttrs(5), { maxAttributes: 5 })).bodyTag, 'soapenv:Body');
  t.throws(() => scan(withAttrs(6), { maxAttributes: 5 }), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE', message: /more than 5 attributes/ });
  t.throws(() => scan(`<soapenv:Envelope ${SOAP11} xmlns:a="1" xmlns:b="2"><soapenv:Body/></soapenv:Envelope>`, { maxAttributes: 2 }), {
    code: 'MOOR_ERR_MESSAGE_TOO_LARGE',
  });
});

test('a long head in one chunk (read as text a window at a time) gives the boundary that byte-by-byte delivery gives', (t) => {
  // blocks of varied lengths, so that window edges fall inside tags, names, text and end tags
  const blocks = Array.from({ length: 60 }, (_, i) => `<h${i % 7}:B${i} xmlns:h${i % 7}="urn:h${i}" a="${'v'.repeat(i % 13)}">${'t'.repeat((i * 37) % 101)}</h${i % 7}:B${i}>`).join('');
  const text = `<soapenv:Envelope ${SOAP11}><soapenv:Header>${blocks}</soapenv:Header><soapenv:Body>${'<x/>'.repeat(500)}</soapenv:Body></soapenv:Envelope>`;
  const whole = boundary(scan(text));
  t.true(whole.bodyTagEnd > 4000);
  t.deepEqual(whole, boundary(scanByteByByte(text).result));
  t.is(whole.index.blocks.length, 60);
});

test('maxHeadBytes: the same head is refused whether it arrives in one chunk or byte by byte', (t) => {
  const text = `<soapenv:Envelope ${SOAP11}><soapenv:Header><a>${'x'.repeat(2000)}</a></soapenv:Header><soapenv:Body>${'y'.repeat(5000)}</soapenv:Body></soapenv:Envelope>`;
  const headBytes = boundary(scan(text)).bodyTagEnd;
  t.is(boundary(scan(text, { maxHeadBytes: headBytes })).bodyTagEnd, headBytes, 'a head of exactly the limit passes');
  t.is(boundary(scanByteByByte(text, { maxHeadBytes: headBytes }).result).bodyTagEnd, headBytes);
  t.throws(() => scan(text, { maxHeadBytes: headBytes - 1 }), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE', message: /head is larger than/ });
  t.throws(() => scanByteByByte(text, { maxHeadBytes: headBytes - 1 }), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE' });
  // a large body is no concern of the head limit
  t.is(boundary(scan(text, { maxHeadBytes: headBytes })).bodyStart, text.indexOf('<soapenv:Body>'));
});

test('every XML attack file of defusedxml and PayloadsAllTheThings is refused with MOOR_ERR_DOCTYPE by the byte scan', async (t) => {
  const files = [...(await corpusFiles(CORPUS_DIRS.defusedxml)), ...(await corpusFiles(CORPUS_DIRS.xxe))];
  const attacks: string[] = [];
  for (const file of files) {
    const bytes = await corpusFile(file);
    if (bytes.indexOf('<!DOCTYPE') < 0) continue;
    attacks.push(file.split('/').pop()!);
    t.throws(() => scan(bytes), { code: 'MOOR_ERR_DOCTYPE' }, file);
    // refused from the bytes up to the declaration's keyword alone: nothing of the DTD is ever read
    const at = bytes.indexOf('<!DOCTYPE');
    t.throws(() => scan(bytes.subarray(0, at + 9)), { code: 'MOOR_ERR_DOCTYPE' }, file);
  }
  t.deepEqual(attacks.sort(), [
    'Classic XXE - etc passwd.xml',
    'Classic XXE B64 Encoded.xml',
    'Classic XXE.xml',
    'Deny Of Service - Billion Laugh Attack',
    'cyclic.xml',
    'dtd.xml',
    'dtd_element.xml',
    'external.xml',
    'external_file.xml',
    'quadratic.xml',
    'xmlbomb.xml',
    'xmlbomb2.xml',
  ]);
});
