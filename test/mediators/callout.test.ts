import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { checkConfig, loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, elementText, post, soap11, soap12, startGateway, XML12 } from '../helpers/gateway.ts';
import { deadUrl, proxy, type Received, startSoapBackend } from './soap-backend.ts';

/** A quote service: answers <q:quote> with the symbol it was asked for, and who asked (its SOAPAction). */
function quotes(r: Received) {
  const symbol = /<[^>]*symbol>([^<]*)</.exec(r.body)?.[1] ?? '?';
  const soap12Request = r.body.includes('http://www.w3.org/2003/05/soap-envelope');
  const body = `<q:quote xmlns:q="urn:q"><q:symbol>${symbol}</q:symbol><q:price>42.5</q:price><q:action>${String(r.headers['soapaction'] ?? '')}</q:action></q:quote>`;
  return { body: soap12Request ? soap12(body) : soap11(body) };
}

const ask = (symbol: string, extra = '') => soap11(`<m:getQuote xmlns:m="urn:m"><m:request><m:symbol>${symbol}</m:symbol></m:request></m:getQuote>${extra}`, '<h:Trace xmlns:h="urn:h">t-1</h:Trace>');

test("Synapse sample 430: the Body's first element goes to serviceURL and the answer takes its place; the sequence goes on", async (t) => {
  const service = await startSoapBackend(quotes);
  const origin = await startSoapBackend();
  const xpath = 's11:Body/child::*[fn:position()=1] | s12:Body/child::*[fn:position()=1]';
  const ns = 'xmlns:s11="http://schemas.xmlsoap.org/soap/envelope/" xmlns:s12="http://www.w3.org/2003/05/soap-envelope"';
  const inSeq = `<callout serviceURL="${service.url}/services/SimpleStockQuoteService" action="urn:getQuote"><source ${ns} xpath="${xpath}"/><target ${ns} xpath="${xpath}"/></callout><respond/>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, uri: origin.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, ask('IBM', '<m:second xmlns:m="urn:m"/>'));
    t.is(res.status, 200, res.text);
    t.is(elementText(res.text, 'symbol'), 'IBM');
    t.is(elementText(res.text, 'action'), '"urn:getQuote"', 'the action is the SOAPAction of the call');
    t.regex(res.text, /<m:second xmlns:m="urn:m"\/>/, 'only the first element was replaced');
    t.regex(res.text, /<h:Trace xmlns:h="urn:h">t-1<\/h:Trace>/, 'the original message keeps its headers');
    t.is(service.received.length, 1);
    t.regex(service.received[0]!.body, /<h:Trace/, 'the callout carries the SOAP headers');
    t.notRegex(service.received[0]!.body, /m:second/, "the call's Body holds only the source");
    t.is(origin.received.length, 0, 'respond answered the client; nothing was sent on');
  } finally {
    await gw.close();
    await service.close();
    await origin.close();
  }
});

test('<target key> keeps the answer as XML in a property; <source key> sends what a property holds; the message goes on to the backend', async (t) => {
  const service = await startSoapBackend(quotes);
  const origin = await startSoapBackend();
  const inSeq = `<property name="req" type="OM"><m:getQuote xmlns:m="urn:m"><m:symbol>MSFT</m:symbol></m:getQuote></property>
    <callout serviceURL="${service.url}/q"><source key="req"/><target key="answer"/></callout>
    <enrich><source type="property" property="answer"/><target type="body" action="child"/></enrich>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, uri: origin.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, ask('IBM'));
    t.is(res.status, 200, res.text);
    t.regex(service.received[0]!.body, /<m:symbol>MSFT<\/m:symbol>/);
    t.is(origin.received.length, 1);
    t.regex(origin.received[0]!.body, /<m:symbol>IBM<\/m:symbol><\/m:request><\/m:getQuote><q:quote xmlns:q="urn:q"><q:symbol>MSFT<\/q:symbol><q:price>42.5<\/q:price>/, 'the message is unchanged but for what enrich added: the property held the answer as XML');
  } finally {
    await gw.close();
    await service.close();
    await origin.close();
  }
});

test('with no <target> the answer replaces the message (SOAP 1.2); endpointKey names an endpoint; HTTP_SC is the answer\'s status', async (t) => {
  const service = await startSoapBackend(quotes);
  const inSeq = `<callout endpointKey="Quotes"/><filter xpath="$axis2:HTTP_SC = 200"><else><makefault><reason value="no status"/></makefault></else></filter><respond/>`;
  const gw = await startGateway({ 'p.xml': definitions(`<endpoint name="Quotes"><address uri="${service.url}/q"/></endpoint>` + proxy('P', { in: inSeq })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap12(`<m:getQuote xmlns:m="urn:m"><m:symbol>SUN</m:symbol></m:getQuote>`), XML12);
    t.is(res.status, 200);
    t.regex(res.text, /^<env:Envelope xmlns:env="http:\/\/www.w3.org\/2003\/05\/soap-envelope"><env:Body><q:quote/, "the answer, in its own SOAP version");
    t.is(elementText(res.text, 'symbol'), 'SUN');
  } finally {
    await gw.close();
    await service.close();
  }
});

test('a callout to a dead service runs the fault sequence with the endpoint error code', async (t) => {
  const dead = await deadUrl();
  const fault = `<makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat('callout failed: ', $ctx:ERROR_CODE)"/></makefault><respond/>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<callout serviceURL="${dead}"/><respond/>`, fault })) });
  try {
    const res = await post(`${gw.url}/services/P`, ask('IBM'));
    t.is(res.status, 500);
    t.is(elementText(res.text, 'faultstring'), 'callout failed: 101503');
  } finally {
    await gw.close();
  }
});

test('configuration: Axis2 client options warn, WS-Security and other transports are refused, mistakes are placed', async (t) => {
  const dir = await configDir({
    'p.xml': definitions(
      proxy('P', {
        in: `\n<callout serviceURL="http://127.0.0.1:9/x" initAxis2ClientOptions="false"><configuration axis2xml="a.xml" repository="r"/></callout>\n<callout serviceURL="jms:/Q"/>\n<callout serviceURL="http://127.0.0.1:9/x"><enableSec policy="p"/></callout>\n<callout serviceURL="http://127.0.0.1:9/x" endpointKey="E"/>\n<callout><target/></callout>`,
      }),
    ),
  });
  const err = await t.throwsAsync(checkConfig(dir));
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNSUPPORTED serviceURL "jms:\/Q"/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED <enableSec>/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE <callout> takes one of/);
  t.regex(lines, /p\.xml:6:\d+ MOOR_ERR_MISSING_ATTRIBUTE <target> needs xpath or key/);
  const ok = await configDir({ 'p.xml': definitions(proxy('P', { in: `\n<callout serviceURL="http://127.0.0.1:9/x" initAxis2ClientOptions="false"><configuration axis2xml="a.xml"/></callout>` })) });
  const { warnings } = await loadConfig(ok);
  t.deepEqual(
    warnings.map((w) => `${w.loc.line} ${w.code}`),
    ['2 MOOR_WARN_NO_EFFECT', '2 MOOR_WARN_NO_EFFECT'],
  );
});
