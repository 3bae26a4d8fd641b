/**
 * moor's XSLT 1.0 processor (src/xslt/) on its own: templates and their choice, the instructions, the
 * namespaces of the result, parameters, and the errors a stylesheet can have at load and at run time.
 */
import test from 'ava';
import { formatNumber } from '../../src/xslt/functions.ts';
import { parseDom } from '../../src/xml/dom.ts';
import { transform, XsltError } from '../../src/xslt/transform.ts';
import { compile, nodeOf, run, sheet } from './helpers.ts';

const quote = '<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>IBM</m0:Code></m0:CheckPriceRequest>';
const M0 = 'xmlns:m0="http://services.samples"';

test('match="/" with apply-templates select="//…" and a literal result element in its own namespace (the shape of Synapse sample 8)', (t) => {
  const xsl = sheet(
    `<xsl:output method="xml" omit-xml-declaration="yes" indent="yes"/>
     <xsl:template match="/"><xsl:apply-templates select="//m0:CheckPriceRequest"/></xsl:template>
     <xsl:template match="m0:CheckPriceRequest">
       <m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol><xsl:value-of select="m0:Code"/></m:symbol></m:request></m:getQuote>
     </xsl:template>`,
    `${M0} xmlns:fn="http://www.w3.org/2005/02/xpath-functions" exclude-result-prefixes="m0 fn"`,
    '2.0',
  );
  t.is(run(xsl, quote), '<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol></m:request></m:getQuote>');
});

test('a name such as m0:return, a keyword of XPath 2.0, is a name in a version="2.0" stylesheet', (t) => {
  const xsl = sheet(`<xsl:template match="/"><r><xsl:value-of select="//m0:return/m0:last"/></r></xsl:template>`, M0, '2.0');
  t.is(run(xsl, `<m0:getQuoteResponse ${M0}><m0:return><m0:last>99.5</m0:last></m0:return></m0:getQuoteResponse>`), '<r xmlns:m0="http://services.samples">99.5</r>', 'm0 is not excluded, so it is copied');
});

test('xsl:element with namespace= and a computed name; copy-of attributes; the built-in templates (sample 158)', (t) => {
  const xsl = sheet(`<xsl:template match="*"><xsl:element name="{local-name()}" namespace="http://services.samples"><xsl:copy-of select="attribute::*"/><xsl:apply-templates/></xsl:element></xsl:template>`);
  t.is(run(xsl, '<getQuote a="1"><request><symbol>IBM</symbol></request></getQuote>'), '<getQuote xmlns="http://services.samples" a="1"><request><symbol>IBM</symbol></request></getQuote>');
  const plain = sheet(`<xsl:template match="*"><xsl:element name="{local-name()}"><xsl:apply-templates/></xsl:element></xsl:template>`);
  t.is(run(plain, `<ns:r xmlns:ns="urn:x"><ns:s>IBM</ns:s></ns:r>`), '<r><s>IBM</s></r>');
  t.is(run(sheet(`<xsl:template match="*"><xsl:element name="p:{local-name()}" namespace="urn:p"/></xsl:template>`), '<a/>'), '<p:a xmlns:p="urn:p"/>');
});

test('an element in no namespace inside one with a default namespace is written with xmlns=""', (t) => {
  const xsl = sheet(`<xsl:template match="/"><d:top xmlns:d="urn:d"><xsl:element name="inner" namespace="urn:d"><xsl:element name="none"/></xsl:element></d:top></xsl:template>`);
  t.is(run(xsl, '<a/>'), '<d:top xmlns:d="urn:d"><inner xmlns="urn:d"><none xmlns=""/></inner></d:top>');
});

test('the identity transform copies elements, attributes, text and comments, with their namespaces', (t) => {
  const xsl = sheet(`<xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>`);
  const xml = `<a:x xmlns:a="urn:a" k="v"><a:y xmlns:b="urn:b" b:z="1">t<!--c--></a:y><plain/></a:x>`;
  t.is(run(xsl, xml), xml);
  // a namespace used only in an attribute's value stays declared
  const typed = `<r xmlns:ax21="urn:ax" type="ax21:Quote"><v>1</v></r>`;
  t.is(run(xsl, typed), typed);
});

test('template choice: priority, then the default priorities, then the later template; modes', (t) => {
  const xsl = sheet(
    `<xsl:template match="/"><r><xsl:apply-templates select="//item"/><xsl:apply-templates select="//item" mode="m"/></r></xsl:template>
     <xsl:template match="*">star</xsl:template>
     <xsl:template match="item">name</xsl:template>
     <xsl:template match="item[@k]">pred</xsl:template>
     <xsl:template match="list/item[@k='2']" priority="-1">low</xsl:template>
     <xsl:template match="item" mode="m">|mode</xsl:template>`,
  );
  t.is(run(xsl, `<list><item/><item k="1"/><item k="2"/></list>`), '<r>namepredpred|mode|mode|mode</r>');
});

test('for-each with sort, position() and last(); if; choose; attributes from xsl:attribute and templates', (t) => {
  const xsl = sheet(
    `<xsl:template match="/"><r n="{count(//v)}">
       <xsl:for-each select="//v"><xsl:sort select="." data-type="number" order="descending"/>
         <i><xsl:attribute name="at"><xsl:value-of select="position()"/>/<xsl:value-of select="last()"/></xsl:attribute>
           <xsl:choose><xsl:when test=". &gt; 5">big</xsl:when><xsl:otherwise>small</xsl:otherwise></xsl:choose>
           <xsl:if test="position() = 1">-first</xsl:if></i>
       </xsl:for-each></r></xsl:template>`,
  );
  t.is(run(xsl, '<l><v>3</v><v>10</v><v>7</v></l>'), '<r n="3"><i at="1/3">big-first</i><i at="2/3">big</i><i at="3/3">small</i></r>');
});

test('variables (select and content), named templates with params, recursion, current()', (t) => {
  const xsl = sheet(
    `<xsl:variable name="greeting">Hello</xsl:variable>
     <xsl:template name="repeat"><xsl:param name="n"/><xsl:param name="s" select="'x'"/>
       <xsl:if test="$n &gt; 0"><xsl:value-of select="$s"/><xsl:call-template name="repeat"><xsl:with-param name="n" select="$n - 1"/><xsl:with-param name="s" select="$s"/></xsl:call-template></xsl:if>
     </xsl:template>
     <xsl:template match="/"><xsl:variable name="code" select="string(//c)"/>
       <r><xsl:value-of select="concat($greeting, ' ', $code)"/>:<xsl:call-template name="repeat"><xsl:with-param name="n" select="3"/></xsl:call-template>:<xsl:for-each select="//c"><xsl:value-of select="count(//c[. = current()])"/></xsl:for-each></r>
     </xsl:template>`,
  );
  t.is(run(xsl, '<a><c>IBM</c></a>'), '<r>Hello IBM:xxx:1</r>');
});

test('a top-level xsl:param takes the value given, else its default', (t) => {
  const xsl = sheet(`<xsl:param name="who" select="'nobody'"/><xsl:param name="tier"/><xsl:template match="/"><r><xsl:value-of select="$who"/>/<xsl:value-of select="$tier"/></r></xsl:template>`);
  t.is(run(xsl, '<a/>'), '<r>nobody/</r>');
  t.is(run(xsl, '<a/>', { params: new Map([['who', 'moor'], ['tier', 'gold']]) }), '<r>moor/gold</r>');
});

test('a variable holding a result tree fragment: copy-of copies it, value-of reads its text', (t) => {
  const xsl = sheet(`<xsl:template match="/"><xsl:variable name="f"><x>1</x><y>2</y></xsl:variable><r><xsl:copy-of select="$f"/>=<xsl:value-of select="$f"/></r></xsl:template>`);
  t.is(run(xsl, '<a/>'), '<r><x>1</x><y>2</y>=12</r>');
});

test('xsl:text keeps whitespace, other whitespace-only text of the stylesheet is stripped; strip-space strips the input', (t) => {
  const xsl = sheet(`<xsl:strip-space elements="*"/><xsl:template match="/"><r> <xsl:text> </xsl:text><xsl:copy-of select="/a"/></r></xsl:template>`);
  t.is(run(xsl, '<a>\n  <b/>\n</a>'), '<r> <a><b/></a></r>');
});

test('format-number() for the common patterns', (t) => {
  t.is(formatNumber(1234.5, '#,##0.00'), '1,234.50');
  t.is(formatNumber(0.5, '0.#'), '0.5');
  t.is(formatNumber(3, '000'), '003');
  t.is(formatNumber(-2.25, '0.0'), '-2.3');
  t.is(formatNumber(0.25, '0%'), '25%');
});

test('text output method, comments and processing instructions', (t) => {
  t.is(run(sheet(`<xsl:template match="/"><xsl:comment>c</xsl:comment><xsl:processing-instruction name="p">d</xsl:processing-instruction></xsl:template>`), '<a/>'), '<!--c--><?p d?>');
  const text = compile(sheet(`<xsl:output method="text"/><xsl:template match="/">x</xsl:template>`));
  t.is(typeof text !== 'string' && text.method, 'text');
});

test('problems of a stylesheet are reported at their file:line:col when it compiles', (t) => {
  const errors = compile(
    sheet(`
<xsl:template match="/"><xsl:value-of select="(("/></xsl:template>
<xsl:template match="a["><xsl:number/></xsl:template>
<xsl:key name="k" match="a" use="b"/>
<xsl:template match="/"><xsl:for-each-group select="a"/><xsl:call-template/></xsl:template>`),
  );
  t.is(typeof errors, 'string');
  const lines = (errors as string).split('\n');
  t.regex(lines[0]!, /^test\.xsl:2:25 MOOR_ERR_BAD_XPATH <xsl:value-of> select="\(\(" is not an XPath 1\.0 expression/);
  t.regex(lines[1]!, /^test\.xsl:3:1 MOOR_ERR_BAD_XPATH <xsl:template match="a\[">/);
  t.regex(lines[2]!, /^test\.xsl:3:26 MOOR_ERR_UNSUPPORTED <xsl:number> is not an XSLT 1\.0 instruction/);
  t.regex(lines[3]!, /^test\.xsl:4:1 MOOR_ERR_UNSUPPORTED <xsl:key>/);
  t.regex(lines[4]!, /^test\.xsl:5:25 MOOR_ERR_UNSUPPORTED <xsl:for-each-group>/);
  t.regex(lines[5]!, /^test\.xsl:5:57 MOOR_ERR_MISSING_ATTRIBUTE <xsl:call-template> needs the attribute name/);
  t.regex(compile('<notXslt/>') as string, /is not an XSLT stylesheet/);
});

test('a simplified stylesheet (a literal result element with xsl:version) is the template for "/"', (t) => {
  const xsl = `<r xsl:version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:value-of select="//c"/></r>`;
  t.is(run(xsl, '<a><c>v</c></a>'), '<r>v</r>');
});

test('at run time: an XPath error, xsl:message terminate, and the limits on steps, depth and result size are XsltErrors', (t) => {
  const fails = (xsl: string, limits?: { steps: number; depth: number; nodes: number; ms: number }) => t.throws(() => run(xsl, '<a><b/><b/></a>', limits ? { limits } : {}), { instanceOf: XsltError });
  t.regex(fails(sheet(`<xsl:template match="/"><xsl:value-of select="$undeclared"/></xsl:template>`)).message, /evaluating "\$undeclared" failed: .*not declared/);
  t.regex(fails(sheet(`<xsl:template match="/"><xsl:value-of select="count(string(.))"/></xsl:template>`)).message, /evaluating "count\(string\(\.\)\)" failed/);
  t.regex(fails(sheet(`<xsl:template match="/"><xsl:message terminate="yes">stop <xsl:value-of select="count(//b)"/></xsl:message></xsl:template>`)).message, /terminate="yes"\]?.*stop 2/);
  // a template that calls itself for ever
  const loop = sheet(`<xsl:template match="/"><xsl:call-template name="f"/></xsl:template><xsl:template name="f"><x/><xsl:call-template name="f"/></xsl:template>`);
  t.regex(fails(loop).message, /nest deeper than 500/);
  // apply-templates to its own node for ever
  t.regex(fails(sheet(`<xsl:template match="a"><xsl:apply-templates select="."/></xsl:template>`)).message, /nest deeper/);
  // wide rather than deep: steps, then result nodes
  const wide = sheet(`<xsl:template match="/"><xsl:for-each select="//node()"><xsl:for-each select="//node()"><x/></xsl:for-each></xsl:for-each></xsl:template>`);
  t.regex(fails(wide, { steps: 5, depth: 10, nodes: 1000, ms: 1000 }).message, /more than 5 steps/);
  t.regex(fails(wide, { steps: 1000, depth: 10, nodes: 3, ms: 1000 }).message, /more than 3 nodes/);
  // and time: a loop whose every step evaluates an XPath over the input
  const slow = sheet(`<xsl:template match="/"><xsl:for-each select="//node()"><xsl:for-each select="//node()"><xsl:if test="count(//node()) = 0"/></xsl:for-each></xsl:for-each></xsl:template>`);
  const many = `<a>${'<b/>'.repeat(200)}</a>`;
  const limits = { steps: 1e9, depth: 500, nodes: 1e9, ms: 50 };
  t.regex(t.throws(() => run(slow, many, { limits }), { instanceOf: XsltError }).message, /longer than 50 ms/);
});

test('the functions a stylesheet calls are checked when it compiles: XPath 1.0, XSLT 1.0, a few of XPath 2.0, node-set()', (t) => {
  const errors = compile(
    sheet(`<xsl:template match="/">
<xsl:value-of select="fn-that-is-not()"/><xsl:value-of select="document('file:///etc/passwd')"/>
<xsl:value-of select="key('k', 'v')"/><xsl:value-of select="upper-case('a')"/>
<xsl:value-of select="fn:tokenize('a b', ' ')"/><xsl:value-of select="q:f()"/><xsl:value-of select="nope:f()"/>
</xsl:template>`, 'xmlns:fn="http://www.w3.org/2005/xpath-functions" xmlns:q="urn:q"'),
  ) as string;
  t.regex(errors, /test\.xsl:2:1 MOOR_ERR_UNSUPPORTED <xsl:value-of> select="fn-that-is-not\(\)": fn-that-is-not\(\) is not an XPath 1\.0 or XSLT 1\.0 function/);
  t.regex(errors, /test\.xsl:2:\d+ MOOR_ERR_UNSUPPORTED .*document\(\) is not supported: a transform reads only the message/);
  t.regex(errors, /test\.xsl:3:1 MOOR_ERR_UNSUPPORTED .*key\(\) is not supported/);
  t.regex(errors, /test\.xsl:3:\d+ MOOR_ERR_UNSUPPORTED .*upper-case\(\) is not an XPath 1\.0 or XSLT 1\.0 function \(in a version="2\.0" stylesheet, moor runs it\)/);
  t.regex(errors, /test\.xsl:4:1 MOOR_ERR_UNSUPPORTED .*the XPath 2\.0 function tokenize\(\) is not one moor runs/);
  t.regex(errors, /MOOR_ERR_UNSUPPORTED .*\{urn:q\}f\(\) is an extension function/);
  t.regex(errors, /MOOR_ERR_BAD_XPATH .*the prefix of nope:f\(\) is not declared/);

  const two = sheet(
    `<xsl:template match="/"><xsl:variable name="f"><i>b</i><i>a</i></xsl:variable>
       <r u="{upper-case(//c)}" l="{fn:lower-case('MiX')}" e="{ends-with(//c, 'm')}" m="{matches(//c, '^i.m$')}" p="{replace(//c, '[bm]', '_')}"
          j="{string-join(//c | //d, '+')}" n="{count(exsl:node-set($f)/i)}" a="{abs(-2)}" d="{string-length(current-date())}"/>
     </xsl:template>`,
    'xmlns:fn="http://www.w3.org/2005/02/xpath-functions" xmlns:exsl="http://exslt.org/common" exclude-result-prefixes="fn exsl"',
    '2.0',
  );
  t.is(run(two, '<x><c>ibm</c><d>sun</d></x>'), '<r u="IBM" l="mix" e="true" m="true" p="i__" j="ibm+sun" n="2" a="2" d="10"/>');
});

test('disable-output-escaping="yes": well-formed markup in the text becomes elements (as Synapse, which reads its result back), other text stays text', (t) => {
  const xsl = sheet(`<xsl:template match="/"><r><xsl:value-of select="//p" disable-output-escaping="yes"/><xsl:text disable-output-escaping="yes">&lt;b&gt;2&lt;/b&gt;</xsl:text>|<xsl:value-of select="//q" disable-output-escaping="yes"/></r></xsl:template>`);
  t.is(run(xsl, '<x><p>&lt;a k="1"&gt;one&lt;/a&gt;</p><q>5 &lt; 6</q></x>'), '<r><a k="1">one</a><b>2</b>|5 &lt; 6</r>');
});

test('xsl:import: the importer\'s templates win over the imported ones; xsl:include: same precedence, the later wins', (t) => {
  const lib = nodeOf(sheet(`<xsl:template match="a">lib-a</xsl:template><xsl:template match="b">lib-b</xsl:template><xsl:template name="n">lib-n</xsl:template>`), undefined, 'lib.xsl');
  const inc = nodeOf(sheet(`<xsl:template match="c">inc-c</xsl:template>`), undefined, 'inc.xsl');
  const main = sheet(`<xsl:import href="lib.xsl"/><xsl:template match="c">main-c</xsl:template><xsl:include href="inc.xsl"/>
    <xsl:template match="/"><r><xsl:apply-templates select="//a|//b|//c"/>/<xsl:call-template name="n"/></r></xsl:template><xsl:template match="a">main-a</xsl:template>`);
  const sources = { include: (href: string) => (href === 'lib.xsl' ? lib.withDiagnostics(lib.diag) : href === 'inc.xsl' ? inc : undefined) };
  const compiled = compile(main, sources);
  if (typeof compiled === 'string') return t.fail(compiled);
  const { doc } = parseDom('<x><a/><b/><c/></x>');
  t.is(transform(compiled, doc!, { params: new Map(), factory: doc! }).map(String).join(''), '<r>main-alib-binc-c/lib-n</r>');
});
