import test from 'ava';
import { fragmentsOf, urlOf } from '../../src/mediators/url-fragments.ts';
import { definitions, post, soap11, startGateway, XML11 } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, startSoapBackend, throughProxy } from './soap-backend.ts';

const WSA = 'http://www.w3.org/2005/08/addressing';
const withTo = (to: string) => soap11('<p:Ping xmlns:p="urn:p"><p:n>7</p:n></p:Ping>', `<wsa:To xmlns:wsa="${WSA}">${to}</wsa:To>`);

test('a URL comes apart into fragments and back unchanged', (t) => {
  for (const url of ['http://u:p@h.example:8280/services/A?x=1&y=2#top', 'https://h/', '/services/StockQuote', 'http://[::1]:9000/s']) t.is(urlOf(fragmentsOf(url)), url);
  t.deepEqual(fragmentsOf('http://h.example:8280/a/b?q=1'), { protocol: 'http', user: undefined, host: 'h.example', port: '8280', path: '/a/b', query: 'q=1', ref: undefined });
});

/** The To header a proxy's in sequence `rewrite` leaves, as the backend behind a <send/> to it saw it. */
async function rewrittenTo(rewrite: string, to: string, headers: Record<string, string> = XML11): Promise<string | undefined> {
  const { received } = await throughProxy({ in: `${rewrite}<property name="X-Got" scope="transport" expression="get-property('To')"/>` }, withTo(to), headers);
  return received[0]?.headers['x-got'] as string | undefined;
}

test('actions change fragments of the To address: set, append, prepend, replace, remove (sample 450, 452)', async (t) => {
  t.is(await rewrittenTo(`<rewrite><rewriterule><action type="replace" regex="soap" value="services" fragment="path"/></rewriterule></rewrite>`, 'http://h:8280/soap/SimpleStockQuoteService'), 'http://h:8280/services/SimpleStockQuoteService');
  t.is(
    await rewrittenTo(`<rewrite><rewriterule><action fragment="host" value="localhost"/><action fragment="path" type="prepend" value="/services"/><action fragment="query" type="append" value="&amp;b=2"/><action fragment="ref" type="remove"/></rewriterule></rewrite>`, 'http://h:1/Q?a=1#frag'),
    'http://localhost:1/services/Q?a=1&b=2',
  );
  t.is(await rewrittenTo(`<rewrite><rewriterule><action value="http://other/x"/></rewriterule></rewrite>`, 'http://h/y'), 'http://other/x');
  t.is(await rewrittenTo(`<rewrite><rewriterule><action fragment="port" xpath="concat('90', //p:n)" xmlns:p="urn:p"/></rewriterule></rewrite>`, 'http://h:1/y'), 'http://h:907/y');
});

test('conditions choose the rules that run, on the URL as earlier rules left it (sample 451, 452)', async (t) => {
  const rules = `<rewrite>
    <rewriterule><condition><and><equal type="url" source="host" value="localhost"/><not><equal type="url" source="protocol" value="https"/></not></and></condition>
      <action fragment="protocol" value="https"/><action fragment="port" value="9002"/></rewriterule>
    <rewriterule><condition><match type="url" source="port" regex="90\\d\\d"/></condition><action fragment="path" type="append" value="/secure"/></rewriterule>
    <rewriterule><condition><or><equal type="header" source="X-Tenant" value="blue"/><equal type="param" source="t" value="blue"/></or></condition><action fragment="path" type="prepend" value="/blue"/></rewriterule>
  </rewrite>`;
  t.is(await rewrittenTo(rules, 'http://localhost:8280/s'), 'https://localhost:9002/s/secure');
  t.is(await rewrittenTo(rules, 'https://localhost:8280/s'), 'https://localhost:8280/s');
  t.is(await rewrittenTo(rules, 'http://remote/s?t=blue'), 'http://remote/blue/s?t=blue');
  t.is(await rewrittenTo(rules, 'http://remote/s', { ...XML11, 'x-tenant': 'blue' }), 'http://remote/blue/s');
});

test('inProperty and outProperty read and write properties, leaving To alone', async (t) => {
  const { received } = await throughProxy({
    in: `<property name="u" value="http://a:1/x"/><rewrite inProperty="u" outProperty="v"><rewriterule><action fragment="host" value="b"/></rewriterule></rewrite>
         <property name="X-V" scope="transport" expression="get-property('v')"/><property name="X-To" scope="transport" expression="get-property('To')"/>`,
  }, withTo('http://keep/me'), XML11);
  t.is(received[0]!.headers['x-v'], 'http://b:1/x');
  t.is(received[0]!.headers['x-to'], 'http://keep/me');
});

test('a <send/> without an endpoint goes where the rewritten To address points', async (t) => {
  const backend = await startSoapBackend();
  const port = new URL(backend.url).port;
  const gw = await startGateway({
    'p.xml': definitions(proxy('P', { in: `<rewrite><rewriterule><condition><equal type="url" source="host" value="old.example"/></condition>
      <action fragment="host" value="127.0.0.1"/><action fragment="port" value="${port}"/><action fragment="path" type="replace" regex="^/soap" value="/services"/></rewriterule></rewrite><send/>`, out: '<send/>' })),
  });
  try {
    const res = await post(`${gw.url}/services/P`, withTo('http://old.example:8080/soap/Echo'), XML11);
    t.is(res.status, 200);
    t.is(backend.received.length, 1);
    t.is(backend.received[0]!.path, '/services/Echo');
    t.true(backend.received[0]!.body.includes(`>http://127.0.0.1:${port}/services/Echo</wsa:To>`), backend.received[0]!.body);
    t.regex(res.text, /<p:n>7<\/p:n>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('what moor does not evaluate or cannot read is refused at its file:line:col', async (t) => {
  const errors = await configErrorsOf(`<rewrite><rewriterule>
<condition><contains type="url" source="path" value="x"/></condition><action fragment="nose" value="1"/><action type="replace" value="y"/></rewriterule></rewrite>`);
  t.regex(errors, /p\.xml:\d+:\d+ MOOR_ERR_UNSUPPORTED <contains> is not a condition moor evaluates/);
  t.regex(errors, /p\.xml:\d+:\d+ MOOR_ERR_BAD_VALUE fragment must be one of protocol, user, host, port, path, query, ref/);
  t.regex(errors, /p\.xml:\d+:\d+ MOOR_ERR_MISSING_ATTRIBUTE <action> needs the attribute regex/);
  t.regex(await configErrorsOf(`<rewrite/>`), /MOOR_ERR_BAD_VALUE <rewrite> needs at least one <rewriterule>/);
});
