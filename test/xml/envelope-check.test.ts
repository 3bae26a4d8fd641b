import test from 'ava';
import fc from 'fast-check';
import { MoorError } from '../../src/errors.ts';
import { DEFAULT_LIMITS } from '../../src/message/limits.ts';
import { EnvelopeCheck } from '../../src/xml/envelope-check.ts';
import { HeadScanner } from '../../src/xml/head-scanner.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';
import { chunking, mutate, mutation, split } from '../fixtures/mutations.ts';

const S11 = 'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"';
const S12 = 'xmlns:s="http://www.w3.org/2003/05/soap-envelope"';

/** What checking `chunks` from the first byte ends with: 'ok', a MoorError code, or 'crash' and what was thrown. */
function verdict(chunks: readonly Buffer[], limits = DEFAULT_LIMITS): string {
  const check = EnvelopeCheck.fresh(limits);
  try {
    for (const c of chunks) check.feed(c);
    check.end();
    return 'ok';
  } catch (e) {
    return e instanceof MoorError ? e.code : `crash: ${String(e)}`;
  }
}

const of = (xml: string): Buffer[] => [Buffer.from(xml)];
const envelope = (body: string, header = ''): string => `<s:Envelope ${S11}>${header}<s:Body>${body}</s:Body></s:Envelope>`;

test('well-formed envelopes pass: comments, CDATA, references, declarations, a BOM, both versions', (t) => {
  t.is(verdict(of(`\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><s:Envelope ${S11}><s:Header><h xmlns="urn:h" a='1'/></s:Header><s:Body><m:op xmlns:m="urn:m" m:x="&lt;&#65;&#x42;"><![CDATA[<&]]>é &amp;<!--x--></m:op></s:Body></s:Envelope>\n<!-- after -->\n`)), 'ok');
  t.is(verdict(of(`<s:Envelope ${S12}><s:Body/></s:Envelope>`)), 'ok');
  t.is(verdict(of(envelope('<a xmlns="">text</a>'))), 'ok');
});

/** Each malformed class and the code it gets, from the first byte. */
const CLASSES: [string, string, string][] = [
  ['mismatched tags', envelope('<a><b></a></b>'), 'MOOR_ERR_MALFORMED_XML'],
  ['an unclosed element at the end', `<s:Envelope ${S11}><s:Body><a>`, 'MOOR_ERR_MALFORMED_XML'],
  ['an unbound element prefix', envelope('<x:a/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['an unbound attribute prefix', envelope('<a x:b="1"/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['a prefix undeclared', envelope('<a xmlns:p=""/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['an undeclared entity', envelope('<a>&lol;</a>'), 'MOOR_ERR_MALFORMED_XML'],
  ['a reference to a non-character', envelope('<a>&#0;</a>'), 'MOOR_ERR_MALFORMED_XML'],
  ['a bare ampersand', envelope('<a>fish & chips</a>'), 'MOOR_ERR_MALFORMED_XML'],
  ['an attribute twice', envelope('<a b="1" b="2"/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['an unquoted attribute', envelope('<a b=1/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['< in an attribute value', envelope('<a b="<"/>'), 'MOOR_ERR_MALFORMED_XML'],
  ['a raw control character', envelope('<a>\u0007</a>'), 'MOOR_ERR_MALFORMED_XML'],
  ['-- in a comment', envelope('<!-- a -- b -->'), 'MOOR_ERR_MALFORMED_XML'],
  ['a processing instruction in the Body', envelope('<?php x?>'), 'MOOR_ERR_NOT_ENVELOPE'],
  ['an XML declaration not first', ` <?xml version="1.0"?>${envelope('')}`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['a DOCTYPE in the Body', envelope('<!DOCTYPE x>'), 'MOOR_ERR_DOCTYPE'],
  ['two Bodies', `<s:Envelope ${S11}><s:Body/><s:Body/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['a Header after the Body', `<s:Envelope ${S11}><s:Body/><s:Header/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['an element after the Body', `<s:Envelope ${S11}><s:Body/><x:y xmlns:x="urn:x"/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['two Headers', `<s:Envelope ${S11}><s:Header/><s:Header/><s:Body/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['no Body', `<s:Envelope ${S11}><s:Header/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['text beside the Body', `<s:Envelope ${S11}>junk<s:Body/></s:Envelope>`, 'MOOR_ERR_NOT_ENVELOPE'],
  ['junk after the Envelope', `${envelope('')}junk`, 'MOOR_ERR_MALFORMED_XML'],
  ['a second root', `${envelope('')}<s:Envelope ${S11}/>`, 'MOOR_ERR_MALFORMED_XML'],
  ['a root that is not an Envelope', '<root/>', 'MOOR_ERR_NOT_ENVELOPE'],
  ['an Envelope in another namespace', '<e:Envelope xmlns:e="urn:other"><e:Body/></e:Envelope>', 'MOOR_ERR_VERSION_MISMATCH'],
  ['nesting over the limit', envelope('<a>'.repeat(70) + '</a>'.repeat(70)), 'MOOR_ERR_MESSAGE_TOO_LARGE'],
  ['attributes over the limit', envelope(`<a ${Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ')}/>`), 'MOOR_ERR_MESSAGE_TOO_LARGE'],
];

for (const [what, xml, code] of CLASSES) {
  test(`refused: ${what}, whole or byte by byte`, (t) => {
    t.is(verdict(of(xml)), code);
    const bytes = Buffer.from(xml);
    t.is(verdict(split(bytes, Array.from({ length: bytes.length }, (_, i) => i / bytes.length))), code, 'one byte at a time');
  });
}

test('a tag longer than the construct limit is refused while it streams, without waiting for its end', (t) => {
  const limits = { ...DEFAULT_LIMITS, maxHeadBytes: 1000 };
  const chunks = [Buffer.from(`<s:Envelope ${S11}><s:Body><a b="`), ...Array.from({ length: 10 }, () => Buffer.alloc(200, 0x78))];
  t.is(verdict(chunks, limits), 'MOOR_ERR_MESSAGE_TOO_LARGE');
});

/** Corpus envelopes (requests and replies, both versions, good and bad). */
async function corpus(): Promise<Buffer[]> {
  const files = [...(await corpusFiles(CORPUS_DIRS.axiomGood)), ...(await corpusFiles(CORPUS_DIRS.axiomBad)), ...(await corpusFiles(CORPUS_DIRS.soap12Requests)), ...(await corpusFiles(CORPUS_DIRS.addressing))];
  return Promise.all(files.map(corpusFile));
}

test('property: on mutated corpus envelopes the check never crashes, and whether a message passes does not depend on its chunking', async (t) => {
  const messages = await corpus();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: messages.length - 1 }), mutation(), chunking(), (i, m, cuts) => {
      const bytes = mutate(messages[i]!, m);
      const whole = verdict([bytes]);
      const chunked = verdict(split(bytes, cuts));
      if (whole.startsWith('crash') || chunked.startsWith('crash')) return false;
      return (whole === 'ok') === (chunked === 'ok');
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: the head scanner, fed mutated corpus envelopes in any chunking, throws only MoorErrors and always comes to an end', async (t) => {
  const messages = await corpus();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: messages.length - 1 }), mutation(), chunking(), (i, m, cuts) => {
      const bytes = mutate(messages[i]!, m);
      const scanner = new HeadScanner(DEFAULT_LIMITS);
      let seen = 0;
      try {
        // each call is handed all bytes so far, as MessageBody does
        for (const c of split(bytes, cuts)) {
          seen += c.length;
          const r = scanner.scan(bytes.subarray(0, seen));
          if (r !== 'more') return true;
        }
        return true;
      } catch (e) {
        return e instanceof MoorError;
      }
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a tag seen before is checked again where it stands: its prefixes in the new scope, its attributes against the new limit', (t) => {
  t.is(verdict(of(envelope('<p:a xmlns:p="urn:p"><p:b x="1" y="2"/></p:a>'))), 'ok');
  // the same <p:b …/> where p is not bound
  t.is(verdict(of(envelope('<p:b x="1" y="2"/>'))), 'MOOR_ERR_MALFORMED_XML');
  t.is(verdict(of(envelope('<p:a xmlns:p="urn:p"><p:b x="1" y="2"/></p:a>')), { ...DEFAULT_LIMITS, maxAttributes: 1 }), 'MOOR_ERR_MESSAGE_TOO_LARGE');
  // and as the Envelope's child, where only a Header or the Body may stand
  t.is(verdict(of(`<s:Envelope ${S11}><p:b xmlns:p="urn:p"/><s:Body/></s:Envelope>`)), 'MOOR_ERR_NOT_ENVELOPE');
});
