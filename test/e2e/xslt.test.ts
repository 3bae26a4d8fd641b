/**
 * <xslt> end to end: a real gateway whose in sequence transforms the client's CheckPriceRequest into
 * the backend's getQuote (Synapse sample 8's shape: a local entry whose src= is the stylesheet, a
 * registry stylesheet named without a prefix) before sending it to a real SOAP backend that checks what
 * it received, and whose out sequence transforms the getQuoteResponse back; an <xslt> with a <property>
 * passed as an xsl:param; a transform that fails at run time answered as a SOAP fault in the request's
 * SOAP version (and logged), or handled by the proxy's fault sequence as in WSO2.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { configDir, definitions, post, soap11, soap12, startGateway, XML12 } from '../helpers/gateway.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startSoapBackend, type Received } from '../mediators/soap-backend.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/xslt/${name}`, import.meta.url), 'utf8');
const checkPrice = soap11(`<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>IBM</m0:Code></m0:CheckPriceRequest>`);

/** A stock quote backend: answers a getQuote for a symbol, and fails the test's expectation otherwise. */
function quoteBackend(r: Received) {
  const symbol = /<m:symbol>([^<]*)<\/m:symbol>/.exec(r.body)?.[1];
  if (!/<m:getQuote xmlns:m="http:\/\/services\.samples">/.test(r.body) || symbol === undefined) return { status: 500, body: 'not a getQuote' };
  return {
    body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
      <ns:getQuoteResponse xmlns:ns="http://services.samples"><ns:return xmlns:ax21="http://services.samples/xsd" type="ax21:GetQuoteResponse">
        <ns:last>99.5</ns:last><ns:name>${symbol} Company</ns:name><ns:symbol>${symbol}</ns:symbol>
      </ns:return></ns:getQuoteResponse></soapenv:Body></soapenv:Envelope>`,
  };
}

test('in: CheckPriceRequest → getQuote with a src= local entry; out: getQuoteResponse → CheckPriceResponse with a registry stylesheet (sample 8)', async (t) => {
  const backend = await startSoapBackend(quoteBackend);
  const top = await configDir({
    'conf/synapse.xml': definitions(`
      <registry provider="org.apache.synapse.registry.url.SimpleURLRegistry"><parameter name="root">file:../resources/</parameter></registry>
      <localEntry key="xslt-key-req" src="file:../resources/transform/check-price-request.xslt"/>
      <proxy name="StockQuote"><target>
        <inSequence><xslt key="xslt-key-req"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence>
        <outSequence><xslt key="transform/check-price-response.xslt"/><send/></outSequence>
      </target></proxy>`),
    'resources/transform/check-price-request.xslt': fixture('check-price-request.xslt'),
    'resources/transform/check-price-response.xslt': fixture('check-price-response.xslt'),
  });
  const gw = await startGateway(`${top}/conf`, { registry: `${top}/resources` });
  try {
    const res = await post(`${gw.url}/services/StockQuote`, checkPrice);
    t.is(backend.received.length, 1);
    const sent = backend.received[0]!.body;
    t.regex(sent, /<soapenv:Body><m:getQuote xmlns:m="http:\/\/services\.samples"><m:request><m:symbol>IBM<\/m:symbol><\/m:request><\/m:getQuote><\/soapenv:Body>/);
    t.notRegex(sent, /CheckPriceRequest/);
    t.is(res.status, 200);
    t.regex(res.text, /<soapenv:Body>\s*<m:CheckPriceResponse xmlns:m="http:\/\/services\.samples\/xsd"><m:Code>IBM<\/m:Code><m:Price>99\.5<\/m:Price><\/m:CheckPriceResponse><\/soapenv:Body>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a dynamic key picks the stylesheet per message (sample 16); a <property> is the value of an xsl:param', async (t) => {
  const backend = await startSoapBackend((r) => ({ body: r.body }));
  const gw = await startGateway({
    'p.xml': definitions(`
      <localEntry key="to-getQuote" src="file:check-price-request.xslt"/>
      <localEntry key="stamp">
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:param name="tier" select="'none'"/>
          <xsl:param name="client"/>
          <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
          <xsl:template match="/*"><xsl:copy><xsl:apply-templates select="@*"/><xsl:attribute name="tier"><xsl:value-of select="$tier"/></xsl:attribute><xsl:attribute name="client"><xsl:value-of select="$client"/></xsl:attribute><xsl:apply-templates select="node()"/></xsl:copy></xsl:template>
        </xsl:stylesheet>
      </localEntry>
      <localEntry key="numbers"><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/"><xsl:number/></xsl:template></xsl:stylesheet></localEntry>
      <proxy name="P"><target>
        <inSequence>
          <property name="which" expression="$trp:X-Stylesheet"/>
          <xslt key="{get-property('which')}"/>
          <xslt key="stamp"><property name="tier" value="gold"/><property name="client" expression="$trp:X-Client"/></xslt>
          <send><endpoint><address uri="${backend.url}"/></endpoint></send>
        </inSequence>
        <outSequence><send/></outSequence>
      </target></proxy>`),
    'check-price-request.xslt': fixture('check-price-request.xslt'),
  });
  try {
    const a = await post(`${gw.url}/services/P`, checkPrice, { 'content-type': 'text/xml', 'x-stylesheet': 'to-getQuote', 'x-client': 'acme' });
    t.is(a.status, 200);
    t.regex(backend.received[0]!.body, /<m:getQuote xmlns:m="http:\/\/services\.samples" tier="gold" client="acme"><m:request><m:symbol>IBM<\/m:symbol>/);
    // the other stylesheet (the stamp, without params, then with them), on the request as it came
    const b = await post(`${gw.url}/services/P`, checkPrice, { 'content-type': 'text/xml', 'x-stylesheet': 'stamp', 'x-client': 'other' });
    t.is(b.status, 200);
    t.regex(backend.received[1]!.body, /<m0:CheckPriceRequest xmlns:m0="http:\/\/services\.samples" tier="gold" client="other"><m0:Code>IBM<\/m0:Code>/);
    // a key that names nothing fails that message, not the gateway
    const c = await post(`${gw.url}/services/P`, checkPrice, { 'content-type': 'text/xml', 'x-stylesheet': 'no-such-entry' });
    t.is(c.status, 500);
    t.regex(c.text, /no-such-entry/);
    // a stylesheet named at run time that does not compile fails the message, each time (kept as its error)
    for (let i = 0; i < 2; i++) {
      const d = await post(`${gw.url}/services/P`, checkPrice, { 'content-type': 'text/xml', 'x-stylesheet': 'numbers' });
      t.is(d.status, 500);
      t.regex(d.text, /the stylesheet "numbers" does not compile: &lt;xsl:number&gt; is not an XSLT 1\.0 instruction/);
    }
    t.is(backend.received.length, 2);
  } finally {
    await gw.close();
    await backend.close();
  }
});

const failing = `<localEntry key="boom">
  <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
    <xsl:template match="/"><xsl:message terminate="yes">no price for <xsl:value-of select="//*[local-name()='Code']"/></xsl:message></xsl:template>
  </xsl:stylesheet>
</localEntry>`;

test('a transform that fails at run time is a SOAP fault in the request\'s SOAP version, and a log line; the backend is not called', async (t) => {
  const backend = await startSoapBackend();
  const { log, lines } = capturingLogger();
  const gw = await startGateway({ 'p.xml': definitions(`${failing}<proxy name="P"><target><inSequence><xslt key="boom"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence></target></proxy>`) }, { logger: log });
  try {
    const r11 = await post(`${gw.url}/services/P`, checkPrice);
    t.is(r11.status, 500);
    t.regex(r11.text, /<faultcode>[^<]*Server<\/faultcode>/);
    t.regex(r11.text, /http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//);
    const r12 = await post(`${gw.url}/services/P`, soap12(`<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>SUN</m0:Code></m0:CheckPriceRequest>`), XML12);
    t.is(r12.status, 500);
    t.regex(r12.text, /http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/);
    t.regex(r12.text, /Receiver/);
    t.is(backend.received.length, 0);
    const logged = lines.join('');
    t.regex(logged, /the transform failed: <xsl:message terminate="yes">: no price for IBM/);
    t.regex(logged, /no price for SUN/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a failed transform runs the proxy\'s fault sequence, with ERROR_CODE and ERROR_MESSAGE set, as in WSO2', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`${failing}
      <proxy name="P"><target>
        <inSequence><xslt key="boom"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence>
        <faultSequence>
          <payloadFactory><format><e:Failed xmlns:e="urn:e"><e:code>$1</e:code><e:why>$2</e:why><e:code-sent>$3</e:code-sent></e:Failed></format>
            <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="//*[local-name()='Code']"/></args></payloadFactory>
          <respond/>
        </faultSequence>
      </target></proxy>`),
  });
  try {
    const res = await post(`${gw.url}/services/P`, checkPrice);
    t.regex(res.text, /<e:code>MOOR_ERR_MEDIATION<\/e:code>/);
    t.regex(res.text, /<e:why>[^<]*the transform failed[^<]*no price for IBM/);
    t.regex(res.text, /<e:code-sent>IBM<\/e:code-sent>/, 'the message is as it was before the failed transform');
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});
