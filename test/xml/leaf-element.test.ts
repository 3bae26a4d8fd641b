import test from 'ava';
import { type HeadBoundary } from '../../src/xml/head-index.ts';
import { HeadScanner } from '../../src/xml/head-scanner.ts';
import { readLeafElement } from '../../src/xml/leaf-element.ts';
import { parseXml } from '../../src/xml/parse.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';

const LIMITS = { maxHeadBytes: 1024 * 1024, maxDepth: 64, maxAttributes: 256 };

function headOf(bytes: Buffer): HeadBoundary | undefined {
  try {
    const r = new HeadScanner(LIMITS).scan(bytes);
    return typeof r === 'string' ? undefined : r;
  } catch {
    return undefined;
  }
}

/** Each leaf block of `bytes` read both ways: without the parser, and with it. */
function bothWays(bytes: Buffer): { leaf: unknown; parsed: unknown; text: string }[] {
  const b = headOf(bytes);
  if (!b) return [];
  return b.index.blocks
    .filter((block) => block.leaf)
    .map(({ start, tagEnd, end }) => {
      const text = bytes.toString('utf8', start, end);
      return {
        leaf: readLeafElement(bytes.toString('latin1'), bytes, start, tagEnd, end, b.index.headerScope),
        parsed: parseXml(text, { wellFormed: true, inScope: b.index.headerScope }),
        text,
      };
    });
}

const envelope = (header: string): Buffer =>
  Buffer.from(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:h="urn:h" xmlns="urn:default"><s:Header>${header}</s:Header><s:Body/></s:Envelope>`);

test('a text-only block read from the bytes equals what the parser gives, in every corpus message', async (t) => {
  let compared = 0;
  for (const dir of [CORPUS_DIRS.addressing, CORPUS_DIRS.soap12Requests, CORPUS_DIRS.axiomGood]) {
    for (const file of await corpusFiles(dir)) {
      if (!file.endsWith('.xml')) continue;
      for (const { leaf, parsed, text } of bothWays(await corpusFile(file))) {
        // a block with a carriage return is left to the parser, which normalises line ends
        if (leaf === undefined) t.true(text.includes('\r'), `${file}: ${text}`);
        else {
          t.deepEqual(leaf, parsed, `${file}: ${text}`);
          compared++;
        }
      }
    }
  }
  t.true(compared > 100, `only ${compared} blocks compared`);
});

test('attributes, references, prefixes, default namespaces and empty blocks read as the parser reads them', (t) => {
  const blocks = [
    '<h:ClientID>abc-123</h:ClientID>',
    '<ClientID>in the default namespace</ClientID>',
    '<p:Id xmlns:p="urn:p" p:kind="a &amp; b" plain="x&#65;&#x42;" >v &lt; w</p:Id>',
    '<Id xmlns="urn:other">declared on the block</Id>',
    '<h:Empty></h:Empty>',
    '<h:Closed/>',
    '<h:Closed a = \'single quoted\' />',
    '<h:Space>  \n\t </h:Space>',
    '<h:Text>naïve — ünïcødé ☃</h:Text>',
  ];
  const results = bothWays(envelope(blocks.join('\n')));
  t.is(results.length, blocks.length);
  for (const { leaf, parsed, text } of results) t.deepEqual(leaf, parsed, text);
});

test('a block holding an element, a comment or CDATA is not a leaf; one with a carriage return is left to the parser', (t) => {
  const b = headOf(envelope('<h:A><h:B/></h:A><h:C><!-- c --></h:C><h:D><![CDATA[x]]></h:D><h:E>x</h:E>'))!;
  t.deepEqual(
    b.index.blocks.map((x) => x.leaf),
    [false, false, false, true],
  );
  const bytes = envelope('<h:Id>a\r\nb</h:Id>');
  const cr = headOf(bytes)!.index.blocks[0]!;
  t.true(cr.leaf);
  t.is(readLeafElement(bytes.toString('latin1'), bytes, cr.start, cr.tagEnd, cr.end, new Map()), undefined);
});
