/**
 * <xslt>'s own attributes and children, through a gateway and a loopback backend: source=, target=,
 * output method "text", <resource> for xsl:include, <feature>; and what fails at load, at its
 * file:line:col (the stylesheet's own problems at the stylesheet's file).
 */
import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, soap11, startGateway } from '../helpers/gateway.ts';
import { configErrorsOf, throughProxy } from './soap-backend.ts';

const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';
const entry = (key: string, templates: string, extra = '') => `<localEntry key="${key}"><xsl:stylesheet version="1.0" ${XSL} ${extra}>${templates}</xsl:stylesheet></localEntry>`;
// (an inline stylesheet is inside <definitions xmlns="…synapse">: an unprefixed literal result element is in
// that namespace, as in WSO2, unless it says xmlns="")
const upper = entry('upper', `<xsl:template match="/*"><Upper xmlns=""><xsl:value-of select="translate(., 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/></Upper></xsl:template>`);

function through(entries: string, inSeq: string, envelope: string) {
  return throughProxy({ in: inSeq }, envelope, undefined, undefined, entries);
}

test('source= transforms the node it selects (here a header block), the body stays', async (t) => {
  const { received } = await through(upper, `<xslt key="upper" source="//t:Trace" xmlns:t="urn:t"/>`, soap11(`<b:Body xmlns:b="urn:b">keep</b:Body>`, `<t:Trace xmlns:t="urn:t">abc</t:Trace>`));
  const body = received[0]!.body;
  t.regex(body, /<soapenv:Header><Upper>ABC<\/Upper><\/soapenv:Header>/);
  t.regex(body, /<b:Body xmlns:b="urn:b">keep<\/b:Body>/);
});

test('a source that selects nothing, or the SOAP Body itself, fails the message', async (t) => {
  const nothing = await through(upper, `<xslt key="upper" source="//none"/>`, soap11(`<b:Q xmlns:b="urn:b">q</b:Q>`));
  t.is(nothing.res.status, 500);
  t.regex(nothing.res.text, /source="\/\/none" selects nothing/);
  const body = await through(upper, `<xslt key="upper" source="$body"/>`, soap11(`<b:Q xmlns:b="urn:b">q</b:Q>`));
  t.is(body.res.status, 500);
  t.regex(body.res.text, /selects the SOAP Body itself/);
  t.is(body.received.length, 0);
});

test('target= puts the result in a property (as XML) and leaves the message as it was', async (t) => {
  const { received } = await through(
    upper,
    `<xslt key="upper" target="upper"/><property name="X-Upper" scope="transport" expression="get-property('upper')"/>
     <enrich><source type="property" property="upper"/><target type="body" action="child"/></enrich>`,
    soap11(`<b:Q xmlns:b="urn:b">quote</b:Q>`),
  );
  // get-property() of the XML result is its element, as in WSO2: an element with text reads as that text
  t.is(received[0]!.headers['x-upper'], 'QUOTE');
  t.regex(received[0]!.body, /<soapenv:Body><b:Q xmlns:b="urn:b">quote<\/b:Q><Upper>QUOTE<\/Upper><\/soapenv:Body>/);
});

test('output method "text" gives Synapse\'s axis2ns:text element', async (t) => {
  const text = entry('text', `<xsl:output method="text"/><xsl:template match="/">code=<xsl:value-of select="//*[local-name()='Code']"/></xsl:template>`);
  const { received } = await through(text, `<xslt key="text"/>`, soap11(`<m:Q xmlns:m="urn:m"><m:Code>IBM</m:Code></m:Q>`));
  t.regex(received[0]!.body, /<soapenv:Body><axis2ns:text xmlns:axis2ns="http:\/\/ws\.apache\.org\/commons\/ns\/payload">code=IBM<\/axis2ns:text><\/soapenv:Body>/);
});

test('<resource location key> resolves an xsl:include; a <feature> is read and warned about', async (t) => {
  const entries = `${entry('main', `<xsl:include href="lib.xsl"/><xsl:template match="/"><r><xsl:call-template name="hello"/></r></xsl:template>`)}
    ${entry('lib', `<xsl:template name="hello">from the library</xsl:template>`)}`;
  const { received } = await through(entries, `<xslt key="main"><resource location="lib.xsl" key="lib"/><feature name="http://ws.apache.org/ns/synapse/transform/feature/dom" value="true"/></xslt>`, soap11(`<a/>`));
  t.regex(received[0]!.body, /<soapenv:Body><r xmlns="http:\/\/ws\.apache\.org\/ns\/synapse">from the library<\/r><\/soapenv:Body>/, 'the inline <r> is in the Synapse namespace');
  const dir = await configDir({ 'p.xml': definitions(`${entries}<proxy name="P"><target><inSequence><xslt key="main"><resource location="lib.xsl" key="lib"/><feature name="urn:f" value="true"/></xslt></inSequence></target></proxy>`) });
  const { errors, warnings } = await loadConfig(dir);
  t.deepEqual(errors, []);
  t.regex(warnings.map(String).join('\n'), /p\.xml:\d+:\d+ MOOR_WARN_NO_EFFECT <xslt><feature name="urn:f">: moor's XSLT processor has no features to set; it is ignored/);
});

test('at load: a stylesheet that does not parse, or uses what moor does not run, is an error at the stylesheet\'s file:line:col', async (t) => {
  const top = await configDir({
    'conf/p.xml': definitions(`
      <localEntry key="bad" src="file:bad.xsl"/>
      <localEntry key="broken" src="file:broken.xslt"/>
      <localEntry key="text">just text</localEntry>
      <proxy name="P"><target><inSequence>
        <xslt key="bad"/>
        <xslt key="text"/>
        <xslt key="broken"/>
        <xslt key="missing"/>
        <xslt key="bad" bogus="1"><include/></xslt>
      </inSequence></target></proxy>`),
    'conf/broken.xslt': `<xsl:stylesheet version="1.0" ${XSL}>\n  <xsl:template match="/">\n</xsl:stylesheet>`,
    'conf/bad.xsl': `<xsl:stylesheet version="1.0" ${XSL}>\n  <xsl:template match="/">\n    <xsl:value-of select="1 +"/>\n    <xsl:number/>\n  </xsl:template>\n</xsl:stylesheet>`,
  });
  const err = await t.throwsAsync(startGateway(`${top}/conf`), { instanceOf: ConfigErrors });
  const text = err.errors.map((e) => e.toString()).join('\n');
  t.regex(text, /bad\.xsl:3:5 MOOR_ERR_BAD_XPATH <xsl:value-of> select="1 \+" is not an XPath 1\.0 expression/);
  t.regex(text, /bad\.xsl:4:5 MOOR_ERR_UNSUPPORTED <xsl:number>/);
  t.regex(text, /broken\.xslt:3:\d+ MOOR_ERR_CONFIG_XML /);
  t.regex(text, /p\.xml:\d+:\d+ MOOR_ERR_BAD_VALUE the key "text" names text, not an XSLT stylesheet/);
  t.regex(text, /p\.xml:\d+:\d+ MOOR_ERR_UNRESOLVED_KEY <xslt key>: key "missing" names no local entry/);
  t.regex(text, /MOOR_ERR_UNKNOWN_ATTRIBUTE <xslt> has no attribute bogus/);
  t.regex(text, /MOOR_ERR_UNKNOWN_ELEMENT <include> is not allowed in <xslt>/);
});

test('at load: an <xsl:include> without a <resource> mapping, and a missing key', async (t) => {
  const text = await configErrorsOf(`<xslt/>`);
  t.regex(text, /MOOR_ERR_MISSING_ATTRIBUTE <xslt> needs the attribute key/);
  const cfg = `${entry('inc', `<xsl:include href="other.xsl"/><xsl:template match="/"/>`)}<proxy name="Q"><target><inSequence><xslt key="inc"/></inSequence></target></proxy>`;
  const err = await t.throwsAsync(startGateway({ 'p.xml': definitions(cfg) }), { instanceOf: ConfigErrors });
  t.regex(err.errors.map((e) => e.toString()).join('\n'), /MOOR_ERR_UNRESOLVED_KEY <xsl:include href="other\.xsl">: no <resource location="other\.xsl" key="…"\/>/);
});

test('<moor:limits xsltMaxSteps> bounds a transform: past it the message fails, and the backend is not called', async (t) => {
  // a for-each over 50 items runs well over 40 steps; the default (200,000) lets it through
  const items = Array.from({ length: 50 }, (_, i) => `<m:i>${i}</m:i>`).join('');
  const list = entry('list', `<xsl:template match="/"><n xmlns=""><xsl:for-each select="//*[local-name()='i']"><xsl:value-of select="."/></xsl:for-each></n></xsl:template>`);
  const limited = await through(`<moor:limits xmlns:moor="urn:moor:config" xsltMaxSteps="40"/>${list}`, `<xslt key="list"/>`, soap11(`<m:L xmlns:m="urn:m">${items}</m:L>`));
  t.is(limited.res.status, 500);
  t.regex(limited.res.text, /more than 40 steps/);
  t.is(limited.received.length, 0);
  const unlimited = await through(list, `<xslt key="list"/>`, soap11(`<m:L xmlns:m="urn:m">${items}</m:L>`));
  t.is(unlimited.res.status, 200);
  t.regex(unlimited.received[0]!.body, /<n>0123456789/);
});
