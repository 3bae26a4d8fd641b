import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend, throughProxy } from './soap-backend.ts';

// written oddly on purpose: a body that was re-serialised would not keep these bytes
const BODY = `<p:Ping   xmlns:p='urn:p' ><p:n >7</p:n ><!-- kept --></p:Ping>`;

function run(parts: { in?: string; out?: string }, envelope = soap11(BODY), headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' }) {
  return throughProxy(parts, envelope, headers);
}

test('sets a header block by QName with a value, leaving the body bytes untouched', async (t) => {
  const { received } = await run({ in: `<header xmlns:acme="urn:acme" name="acme:Tenant" value="blue"/>` });
  const got = received[0]!.body;
  t.regex(got, /<soapenv:Header><acme:Tenant xmlns:acme="urn:acme">blue<\/acme:Tenant><\/soapenv:Header>/);
  t.true(got.includes(`<soapenv:Body>${BODY}</soapenv:Body>`), got);
});

test('set replaces a block of the same name; other blocks stay', async (t) => {
  const env = soap11(BODY, `<acme:Tenant xmlns:acme="urn:acme">red</acme:Tenant><acme:Other xmlns:acme="urn:acme">o</acme:Other>`);
  const { received } = await run({ in: `<header xmlns:a="urn:acme" name="a:Tenant" expression="concat('from-', //p:n)" xmlns:p="urn:p"/>` }, env);
  const got = received[0]!.body;
  t.regex(got, /<a:Tenant xmlns:a="urn:acme">from-7<\/a:Tenant>/);
  t.notRegex(got, />red</);
  t.regex(got, /<acme:Other xmlns:acme="urn:acme">o<\/acme:Other>/);
});

test('an expression that reads the whole envelope after a header change sees the change', async (t) => {
  const { received } = await run({
    in: `<property name="n" expression="//p:n" xmlns:p="urn:p"/>
         <header xmlns:a="urn:acme" name="a:T" value="set-later"/>
         <property name="X-T" scope="transport" expression="concat(//a:T, '/', $ctx:n)" xmlns:a="urn:acme"/>`,
  });
  t.is(received[0]!.headers['x-t'], 'set-later/7');
  t.regex(received[0]!.body, /<a:T xmlns:a="urn:acme">set-later<\/a:T>/);
});

test('an inline XML child becomes the header block', async (t) => {
  const { received } = await run({ in: `<header><sec:Token xmlns:sec="urn:sec" kind="demo"><sec:v>abc</sec:v></sec:Token></header>` });
  t.regex(received[0]!.body, /<soapenv:Header><sec:Token xmlns:sec="urn:sec" kind="demo"><sec:v>abc<\/sec:v><\/sec:Token><\/soapenv:Header>/);
});

test('remove takes every block of that name away', async (t) => {
  const env = soap11(BODY, `<s:Secret xmlns:s="urn:s">1</s:Secret><k:Keep xmlns:k="urn:k">2</k:Keep><s:Secret xmlns:s="urn:s">3</s:Secret>`);
  const { received } = await run({ in: `<header xmlns:x="urn:s" name="x:Secret" action="remove"/>` }, env);
  const got = received[0]!.body;
  t.notRegex(got, /Secret/);
  t.regex(got, /<k:Keep xmlns:k="urn:k">2<\/k:Keep>/);
  t.true(got.includes(BODY));
});

test('scope="transport" sets and removes HTTP headers', async (t) => {
  const { received } = await run(
    { in: `<header name="X-Api-Key" scope="transport" value="k1"/><header name="X-Drop" scope="transport" action="remove"/>` },
    soap11(BODY),
    { 'content-type': 'text/xml; charset=utf-8', 'x-drop': 'me' },
  );
  t.is(received[0]!.headers['x-api-key'], 'k1');
  t.is(received[0]!.headers['x-drop'], undefined);
  t.notRegex(received[0]!.body, /Header/, 'no SOAP header was added');
});

test('Action sets SOAPAction for SOAP 1.1 and the action parameter for SOAP 1.2', async (t) => {
  const one = await run({ in: `<header name="Action" value="urn:getQuote"/>` });
  t.is(one.received[0]!.headers.soapaction, '"urn:getQuote"');
  t.notRegex(one.received[0]!.body, /Action/, 'no WS-Addressing header on a message that does not use WS-Addressing');
  const two = await run({ in: `<header name="Action" value="urn:getQuote"/>` }, soap12(BODY), { 'content-type': 'application/soap+xml; charset=utf-8; action="urn:old"' });
  t.is(two.received[0]!.headers['content-type'], 'application/soap+xml; charset=utf-8; action="urn:getQuote"');
});

test('WS-Addressing names follow the namespace the message uses', async (t) => {
  const env = soap11(BODY, `<wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:uuid:1</wsa:MessageID>`);
  const { received } = await run({ in: `<header name="Action" value="urn:a"/><header name="ReplyTo" value="http://client/cb"/>` }, env);
  const got = received[0]!.body;
  t.regex(got, /<wsa:Action xmlns:wsa="http:\/\/schemas.xmlsoap.org\/ws\/2004\/08\/addressing">urn:a<\/wsa:Action>/);
  t.regex(got, /<wsa:ReplyTo xmlns:wsa="http:\/\/schemas.xmlsoap.org\/ws\/2004\/08\/addressing"><wsa:Address>http:\/\/client\/cb<\/wsa:Address><\/wsa:ReplyTo>/);
});

test('<header name="To"> then <send/> sends to that address (Synapse sample 6)', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'main.xml': definitions(`<sequence name="main"><in><header name="To" value="${backend.url}"/></in><send/></sequence>`) });
  try {
    const res = await post(`${gw.url}/anything`, soap11(BODY));
    t.is(res.status, 200);
    t.is(backend.received.length, 1);
    t.regex(backend.received[0]!.body, /<wsa:To xmlns:wsa="http:\/\/www.w3.org\/2005\/08\/addressing">http:\/\/127.0.0.1:\d+\/services\/Echo<\/wsa:To>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('in the out sequence, header changes reach the client', async (t) => {
  const { res } = await run({ out: `<header xmlns:g="urn:gw" name="g:Via" value="moor"/><header name="X-Via" scope="transport" value="moor"/>` });
  t.regex(res.text, /<g:Via xmlns:g="urn:gw">moor<\/g:Via>/);
  t.is(res.headers['x-via'], 'moor');
});

test('an undeclared prefix or an unqualified name is a configuration error', async (t) => {
  const err = await t.throwsAsync(startGateway({ 'p.xml': definitions(proxy('P', { in: '\n<header name="q:X" value="1"/>\n<header name="Plain" value="1"/>' })) }));
  const lines = (err as ConfigErrors).errors.map((e) => e.toString());
  t.true(lines.some((l) => /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE the prefix "q"/.test(l)), lines.join('\n'));
  t.true(lines.some((l) => /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE header name "Plain" needs a namespace prefix/.test(l)), lines.join('\n'));
});
