/**
 * The compact tree answers as xmldom's DOM does: XPath over its view gives the same strings, numbers,
 * booleans and node-sets for generated documents and expressions (each node written out as xmldom writes
 * it too), and it serialises as xmldom does.
 * What the compact parser does not take (it leaves those to xmldom) is checked at the end.
 */
import test from 'ava';
import fc from 'fast-check';
import { CompactView } from '../../src/xml/compact-dom.ts';
import { parseCompact } from '../../src/xml/compact-tree.ts';
import { serializeCompact } from '../../src/xml/compact-serialize.ts';
import { parseTrustedDom } from '../../src/xml/dom.ts';
import { parseXPath } from '../../src/expr/xpath-lib.ts';

const URIS = ['urn:a', 'urn:b', 'http://schemas.xmlsoap.org/soap/envelope/'];
const NAMESPACES = { a: 'urn:a', b: 'urn:b', s: URIS[2]! };

const text = fc.stringMatching(/^[a-c x1-3\t\n\r&<>"'é😀]{0,8}$/).map((s) =>
  s.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\r': '\r\n' })[c]!),
);
const attrText = fc.stringMatching(/^[a-c 1-3\t\n&<"é]{0,6}$/).map((s) => s.replace(/[&<"]/g, (c) => ({ '&': '&amp;', '<': '&#60;', '"': '&#x22;' })[c]!));
const local = fc.constantFrom('x', 'y', 'z', 'Body');
const prefix = fc.constantFrom('', 'a', 'b', 's');

type Gen = { kind: 'el'; prefix: string; local: string; decl: [string, string][]; attrs: [string, string][]; kids: Gen[] } | { kind: 'text'; s: string } | { kind: 'cdata'; s: string } | { kind: 'comment'; s: string };

const tree = fc.letrec<{ node: Gen }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, withCrossShrink: true },
    fc.record({ kind: fc.constant('text' as const), s: text }),
    fc.record({
      kind: fc.constant('el' as const),
      prefix,
      local,
      decl: fc.array(fc.tuple(prefix, fc.constantFrom(...URIS, '')), { maxLength: 2 }),
      attrs: fc.array(fc.tuple(fc.constantFrom('n', 'm', 'a:n', 'b:m', 'xml:lang'), fc.oneof(attrText, fc.constantFrom('1', '2.5', ' 3 '))), { maxLength: 3 }),
      kids: fc.array(tie('node'), { maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant('cdata' as const), s: fc.stringMatching(/^[a-c <&>\r\n]{1,5}$/) }),
    fc.record({ kind: fc.constant('comment' as const), s: fc.stringMatching(/^[a-c \r\n]{0,5}$/) }),
  ),
})).node;

/** Writes a generated node, declaring every prefix it uses (so the document is namespace-well-formed). */
function write(n: Gen, inScope: ReadonlySet<string>): string {
  if (n.kind === 'text') return n.s;
  if (n.kind === 'cdata') return `<![CDATA[${n.s}]]>`;
  if (n.kind === 'comment') return `<!--${n.s}-->`;
  const decls = new Map<string, string>();
  for (const [p, u] of n.decl) if (u !== '' || p === '') decls.set(p, u);
  const scope = new Set(inScope);
  for (const [p, u] of decls) if (p) (u ? scope.add(p) : scope.delete(p));
  const need = (p: string) => {
    if (p && p !== 'xml' && !scope.has(p)) {
      decls.set(p, NAMESPACES[p as keyof typeof NAMESPACES]);
      scope.add(p);
    }
  };
  need(n.prefix);
  const attrs = new Map<string, string>();
  for (const [name, v] of n.attrs) {
    need(name.includes(':') ? name.split(':')[0]! : '');
    attrs.set(name, v);
  }
  const qn = n.prefix ? `${n.prefix}:${n.local}` : n.local;
  const head = [...[...decls].map(([p, u]) => (p ? ` xmlns:${p}="${u}"` : ` xmlns="${u}"`)), ...[...attrs].map(([k, v]) => ` ${k}='${v.replace(/'/g, '&apos;')}'`)].join('');
  const body = n.kids.map((k) => write(k, scope)).join('');
  return body === '' && n.local !== 'z' ? `<${qn}${head}/>` : `<${qn}${head}>${body}</${qn}>`;
}

const documents = fc
  .tuple(fc.boolean(), fc.constantFrom('', '\n', ' \r\n', '<!--c-->\n'), tree, fc.constantFrom('', '\n', '<!--e--> '))
  .map(([decl, before, root, after]) => {
    const r: Gen = root.kind === 'el' ? root : { kind: 'el', prefix: 's', local: 'Envelope', decl: [], attrs: [], kids: [root] };
    return `${decl ? '<?xml version="1.0" encoding="utf-8"?>' : ''}${before}${write(r, new Set())}${after}`;
  });

const EXPRESSIONS = [
  '/', '/node()', '//*', '//node()', '//text()', '//comment()', '//processing-instruction()', '//@*', '//namespace::*',
  'count(//*)', 'count(//node())', 'count(//@*)', 'count(//namespace::*)', 'string(/)', 'string(//x)', 'normalize-space(/)',
  '//a:x', '//b:*', '//s:Body', '//x[@n]', '//*[@a:n]', "//*[@n='1']", '//*[@xml:lang]', 'sum(//@n)', 'number(//@m)',
  'name(//*[2])', 'local-name(/*/*[1])', 'namespace-uri(//*[last()])', 'name(//@*[1])', 'namespace-uri(//@*[last()])',
  '//x/following-sibling::*', '//y/preceding-sibling::node()', '//z/ancestor::*', '//x/following::node()', '//z/preceding::*',
  '(//x | //y)[1]', '(//@* | //text())', '//*[contains(., "a")]', '//*[starts-with(local-name(), "B")]', 'boolean(//z)',
  '//x/..', '//text()/..', '//@n/..', '//*[count(*) > 1]', '//*[. = "a"]', '/*/*/*[2]', '//*[position() = last()]',
  '//node()[self::text() or self::comment()]', 'string-length(/)', 'translate(//x, "abc", "ABC")', '//@*[. = "2.5"]/..',
  '//descendant-or-self::node()[3]', '//*/attribute::*[2]', 'concat(name(/*), ":", count(/*/@*))', '//a:*/@b:m',
  'string(//comment())', 'string(//text()[2])', 'sum(//*[@m]/@m)', 'not(//x) or //y', 'lang("en")', '//*[lang("en")]',
];

/** A value as comparable data: a node-set as each node's type, name and string value, in order. */
function observed(v: { stringValue(): string; numberValue(): number; booleanValue(): boolean; nodeset?: () => { toArray(): unknown[] } }): unknown {
  let nodes: unknown[] | undefined;
  try {
    nodes = (v.nodeset!().toArray() as { nodeType: number; nodeName: string; localName?: string | null; namespaceURI?: string | null; prefix?: string | null }[]).map((n) => [
      n.nodeType,
      n.nodeName,
      n.localName ?? null,
      n.namespaceURI ?? null,
      n.prefix ?? null,
      parseXPath('string(.)').evaluateString({ node: n as unknown as Node }),
      String(n),
    ]);
  } catch {
    nodes = undefined;
  }
  return { s: v.stringValue(), n: String(v.numberValue()), b: v.booleanValue(), nodes };
}

test('XPath over the compact view gives what it gives over xmldom, on generated documents', (t) => {
  fc.assert(
    fc.property(documents, fc.constantFrom(...EXPRESSIONS), (xml, expr) => {
      const doc = parseTrustedDom(xml);
      const compact = parseCompact(xml);
      if (!compact) return false;
      const view = new CompactView(compact);
      const compiled = parseXPath(expr);
      const over = (node: unknown) => {
        try {
          return observed(compiled.evaluate({ node: node as Node, namespaces: NAMESPACES }) as never);
        } catch (e) {
          return { error: (e as Error).message };
        }
      };
      t.deepEqual(over(view.document), over(doc), `${expr} over ${JSON.stringify(xml)}`);
      return true;
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 3000) },
  );
});

test('the compact tree serialises as xmldom does (the document and its root element)', (t) => {
  fc.assert(
    fc.property(documents, (xml) => {
      const doc = parseTrustedDom(xml);
      const compact = parseCompact(xml)!;
      const root = new CompactView(compact).document.documentElement!;
      t.is(serializeCompact(compact, root.index), String(doc.documentElement), JSON.stringify(xml));
      t.is(serializeCompact(compact, 0), String(doc), JSON.stringify(xml));
      return true;
    }),
    { numRuns: 1000 },
  );
});

test('what the compact parser does not take is left to xmldom', (t) => {
  for (const xml of [
    '<!DOCTYPE a><a/>',
    '<a><?pi x?></a>',
    '<a>&lol;</a>',
    '<a>&#0;</a>',
    '<p:a/>',
    '<a xmlns:p=""/>',
    '<a><b></a>',
    '<a>',
    '<a/><b/>',
    'text<a/>',
    '<a x="1" x="2"/>',
    '<a x=1/>',
    '<a x="<"/>',
    '<a>\u0001</a>',
    '<a>]]></a>',
    '<a><!-- -- --></a>',
    '<a>x<![CDATA[]]>y</a>',
  ]) {
    t.is(parseCompact(xml), undefined, xml);
  }
  t.truthy(parseCompact('<a>&amp;&#x1F600;&#10;</a>'));
});
