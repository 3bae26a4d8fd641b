import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const order = (id: string) => `<o:Order xmlns:o="urn:o"><o:id>${id}</o:id></o:Order>`;
const SOAP12 = { 'content-type': 'application/soap+xml; charset=utf-8' };

async function run(inSeq: string, envelope: string, headers?: Record<string, string>) {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, envelope, headers);
    return { res, backendCalls: backend.received.length };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('SOAP 1.1: code, reason, role and inline XML detail; HTTP 500; the backend is not called', async (t) => {
  const { res, backendCalls } = await run(
    `<makefault>
       <code value="tns:Client" xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/"/>
       <reason value="order refused"/>
       <role>urn:moor:gateway</role>
       <detail><e:Why xmlns:e="urn:e">limit <e:n>3</e:n></e:Why></detail>
     </makefault>
     <respond/>`,
    soap11(order('1')),
  );
  t.is(res.status, 500);
  t.regex(String(res.headers['content-type']), /^text\/xml/);
  t.regex(res.text, /<soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">/);
  t.is(elementText(res.text, 'faultcode'), 'soapenv:Client');
  t.is(elementText(res.text, 'faultstring'), 'order refused');
  t.is(elementText(res.text, 'faultactor'), 'urn:moor:gateway');
  t.regex(res.text, /<detail><e:Why xmlns:e="urn:e">limit <e:n>3<\/e:n><\/e:Why><\/detail>/);
  t.is(backendCalls, 0);
});

test('SOAP 1.2: a Sender fault is HTTP 400 with Code/Value, Reason/Text, Role and Detail', async (t) => {
  const { res } = await run(
    `<makefault>
       <code value="soap12:Sender" xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"/>
       <reason expression="concat('bad order ', //o:id)" xmlns:o="urn:o"/>
       <role>urn:moor:gateway</role>
       <detail expression="//o:Order" xmlns:o="urn:o"/>
     </makefault>
     <send/>`,
    soap12(order('42')),
    SOAP12,
  );
  t.is(res.status, 400);
  t.regex(String(res.headers['content-type']), /^application\/soap\+xml/);
  t.regex(res.text, /<soapenv:Code><soapenv:Value>soapenv:Sender<\/soapenv:Value><\/soapenv:Code>/);
  t.regex(res.text, /<soapenv:Reason><soapenv:Text xml:lang="en">bad order 42<\/soapenv:Text><\/soapenv:Reason>/);
  t.regex(res.text, /<soapenv:Role>urn:moor:gateway<\/soapenv:Role>/);
  t.regex(res.text, /<soapenv:Detail><o:Order xmlns:o="urn:o"><o:id>42<\/o:id><\/o:Order><\/soapenv:Detail>/);
});

test('SOAP 1.2 Receiver is HTTP 500; version="soap11" makes a 1.1 fault of a 1.2 request', async (t) => {
  const receiver = await run(`<makefault><code value="s:Receiver" xmlns:s="http://www.w3.org/2003/05/soap-envelope"/><reason value="down"/></makefault><respond/>`, soap12(order('1')), SOAP12);
  t.is(receiver.res.status, 500);
  t.regex(receiver.res.text, /soapenv:Receiver/);
  const forced = await run(`<makefault version="soap11"><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="as 1.1"/></makefault><respond/>`, soap12(order('1')), SOAP12);
  t.is(forced.res.status, 500);
  t.regex(String(forced.res.headers['content-type']), /^text\/xml/);
  t.is(elementText(forced.res.text, 'faultcode'), 'soapenv:Server');
});

test('detail given as an expression of a string is escaped text', async (t) => {
  const { res } = await run(`<makefault><reason value="x"/><detail expression="concat('a<b', '&amp;c')"/></makefault><respond/>`, soap11(order('1')));
  t.regex(res.text, /<detail>a&lt;b&amp;c<\/detail>/);
});

test('several nodes: the reason is their string joined; the detail keeps elements and text nodes, not attributes (as WSO2)', async (t) => {
  const two = soap11(`<o:Orders xmlns:o="urn:o" n="2">${order('1')}${order('2')}</o:Orders>`);
  const { res } = await run(`<makefault xmlns:o="urn:o"><reason expression="//o:id/text()"/><detail expression="//o:Order[1]/o:id/text() | //o:Orders/@n | //o:Order[2]"/></makefault><respond/>`, two);
  t.is(elementText(res.text, 'faultstring'), '12');
  t.regex(res.text, /<detail>1<o:Order xmlns:o="urn:o"><o:id>2<\/o:id><\/o:Order><\/detail>/);
});

test('the fault is the answer by default: <send/> after it returns it to the client (Synapse sample 5)', async (t) => {
  const { res, backendCalls } = await run(`<makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="no"/></makefault><send/>`, soap11(order('1')));
  t.is(res.status, 500);
  t.is(elementText(res.text, 'faultstring'), 'no');
  t.is(backendCalls, 0);
});

test('response="false" keeps the fault a request: the proxy endpoint receives it', async (t) => {
  const { res, backendCalls } = await run(`<makefault response="false"><reason value="forwarded"/></makefault>`, soap11(order('1')));
  t.is(backendCalls, 1);
  t.is(elementText(res.text, 'faultstring'), 'forwarded', 'the echo backend sends the fault back');
});

test('configuration mistakes are reported at their place', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'p.xml': definitions(proxy('P', { in: '\n<makefault><code value="s:Oops"/><reason value="r"/></makefault>\n<makefault version="pox"><reason value="r"/></makefault>\n<makefault response="yes"/>' })),
    }),
  );
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE fault code "s:Oops" is not one of/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNSUPPORTED POX faults/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_BAD_VALUE response must be one of true, false/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_MISSING_ATTRIBUTE <makefault> needs a <reason/);
});

test('a fault made at the end of the in sequence answers the client; the target endpoint is not called', async (t) => {
  const { res, backendCalls } = await run(`<makefault><code value="s:Client" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="closed"/></makefault>`, soap11(order('1')));
  t.is(res.status, 500);
  t.is(elementText(res.text, 'faultstring'), 'closed');
  t.is(backendCalls, 0);
});

test('<code expression>: the fault code is read from the message (WSO2\'s dynamic code); a value that is no code fails the message', async (t) => {
  const codeFrom = `<makefault><code expression="$trp:X-Code"/><reason value="refused"/></makefault><respond/>`;
  const client = await run(codeFrom, soap11(order('1')), { 'content-type': 'text/xml', 'x-code': 'soap11Env:Client' });
  t.is(client.res.status, 500);
  t.is(elementText(client.res.text, 'faultcode'), 'soapenv:Client');
  const server = await run(codeFrom, soap11(order('2')), { 'content-type': 'text/xml', 'x-code': 'Server' });
  t.is(elementText(server.res.text, 'faultcode'), 'soapenv:Server');
  const bad = await run(codeFrom, soap11(order('3')), { 'content-type': 'text/xml', 'x-code': 'Nonsense' });
  t.regex(bad.res.text, /the &lt;makefault&gt;&lt;code expression&gt; gave "Nonsense"|gave &quot;Nonsense&quot;/);
});
