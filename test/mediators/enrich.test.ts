import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, startSoapBackend } from './soap-backend.ts';

const NS = `xmlns:m0="http://services.samples" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="urn:t"`;
const quote = soap11(
  `<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>`,
  `<t:Trace xmlns:t="urn:t" id="1">x</t:Trace>`,
);

async function run(parts: { in?: string; out?: string }, envelope = quote) {
  const backend = await startSoapBackend();
  // the sequences are written inside an element that declares the prefixes they use
  const gw = await startGateway({ 'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${NS}>${proxy('P', { ...parts, uri: backend.url })}</definitions>` });
  try {
    const res = await post(`${gw.url}/services/P`, envelope);
    return { res, received: backend.received };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('custom text source into a property; inline text into a custom text() target (Synapse sample 15)', async (t) => {
  const { received } = await run({
    in: `<enrich><source type="custom" xpath="//m0:getQuote/m0:request/m0:symbol/text()"/><target type="property" property="ORIGINAL_REQ"/></enrich>
         <enrich><source type="inline">MSFT</source><target xpath="//m0:getQuote/m0:request/m0:symbol/text()"/></enrich>
         <property name="X-Original" scope="transport" expression="get-property('ORIGINAL_REQ')"/>`,
  });
  t.is(received[0]!.headers['x-original'], 'IBM');
  t.regex(received[0]!.body, /<m0:symbol>MSFT<\/m0:symbol>/);
});

test('body into a property and back restores the original payload (Synapse sample 156)', async (t) => {
  const { received } = await run({
    in: `<enrich><source type="body"/><target type="property" property="REQUEST"/></enrich>
         <payloadFactory><format><o:Other xmlns:o="urn:o"/></format></payloadFactory>
         <property name="X-Mid" scope="transport" expression="local-name($body/*)"/>
         <enrich><source type="property" property="REQUEST"/><target type="body"/></enrich>`,
  });
  t.is(received[0]!.headers['x-mid'], 'Other');
  t.regex(received[0]!.body, /<soapenv:Body><m0:getQuote xmlns:m0="http:\/\/services.samples"><m0:request><m0:symbol>IBM<\/m0:symbol><\/m0:request><\/m0:getQuote><\/soapenv:Body>/);
  t.notRegex(received[0]!.body, /Other/);
});

test('inline XML as a child of the body, and an element as a sibling of another', async (t) => {
  const { received } = await run({
    in: `<enrich><source type="inline"><a:Audit xmlns:a="urn:a">seen</a:Audit></source><target type="body" action="child"/></enrich>
         <enrich><source xpath="//m0:symbol"/><target xpath="//m0:request" action="sibling"/></enrich>`,
  });
  t.regex(received[0]!.body, /<\/m0:request><m0:symbol>IBM<\/m0:symbol><\/m0:getQuote><a:Audit xmlns:a="urn:a">seen<\/a:Audit><\/soapenv:Body>/);
});

test('an element copied into a header block as a child, and text into an attribute', async (t) => {
  const { received } = await run({
    in: `<enrich><source xpath="//m0:symbol"/><target xpath="/soapenv:Envelope/soapenv:Header/t:Trace" action="child"/></enrich>
         <enrich><source xpath="//m0:request/m0:symbol"/><target xpath="/soapenv:Envelope/soapenv:Header/t:Trace/@id"/></enrich>`,
  });
  t.regex(received[0]!.body, /<t:Trace xmlns:t="urn:t" id="IBM">x<m0:symbol xmlns:m0="http:\/\/services.samples">IBM<\/m0:symbol><\/t:Trace>/);
  t.regex(received[0]!.body, /<soapenv:Body><m0:getQuote[^>]*><m0:request><m0:symbol>IBM/, 'the source stays where it was');
});

test('replace puts an element in the place of another; clone="false" moves it', async (t) => {
  const { received } = await run({
    in: `<enrich><source xpath="//m0:symbol" clone="false"/><target xpath="//m0:request"/></enrich>`,
  });
  t.regex(received[0]!.body, /<m0:getQuote xmlns:m0="http:\/\/services.samples"><m0:symbol>IBM<\/m0:symbol><\/m0:getQuote>/);
});

test('the whole envelope to a property and back', async (t) => {
  const { received } = await run({
    in: `<enrich><source type="envelope"/><target type="property" property="ENV"/></enrich>
         <payloadFactory><format><o:Other xmlns:o="urn:o"/></format></payloadFactory>
         <header name="t:Trace" action="remove"/>
         <enrich><source type="property" property="ENV"/><target type="envelope"/></enrich>`,
  });
  t.regex(received[0]!.body, /<t:Trace xmlns:t="urn:t" id="1">x<\/t:Trace>/);
  t.regex(received[0]!.body, /<m0:symbol>IBM<\/m0:symbol>/);
});

test('in the out sequence: a response value into a header block the header mediator made', async (t) => {
  const { res } = await run({
    out: `<header name="t:Symbol" value="foo"/>
          <enrich><source xpath="//m0:symbol/text()"/><target xpath="/soapenv:Envelope/soapenv:Header/t:Symbol"/></enrich>`,
  });
  t.regex(res.text, /<t:Symbol xmlns:t="urn:t">IBM<\/t:Symbol>/);
});

test('a target that selects nothing, or an unset property, is a mediation fault', async (t) => {
  const none = await run({ in: `<enrich><source type="inline">v</source><target xpath="//m0:nothing"/></enrich>` });
  t.is(none.res.status, 500);
  t.regex(none.res.text, /the target xpath "\/\/m0:nothing" selects nothing/);
  t.is(none.received.length, 0);
  const unset = await run({ in: `<enrich><source type="property" property="NOPE"/><target type="body"/></enrich>` });
  t.regex(unset.res.text, /the property "NOPE" is not set/);
});

test('configuration mistakes are reported at their place', async (t) => {
  const lines = await configErrorsOf(`
<enrich><source type="custom"/><target type="property"/></enrich>
<enrich><source type="inline" key="init_req"/><target type="envelope" action="child"/></enrich>
<enrich><source type="bdy"/></enrich>`);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_MISSING_ATTRIBUTE <source type="custom"> needs an xpath/);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_MISSING_ATTRIBUTE <target> needs the attribute property/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNRESOLVED_KEY <source type="inline" key>: key "init_req" names no local entry nor registry resource/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE the envelope can only be replaced/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_BAD_VALUE type must be one of .*did you mean "body"/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_MISSING_ATTRIBUTE <enrich> needs a <target>/);
});
