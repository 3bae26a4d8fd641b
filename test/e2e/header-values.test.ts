/**
 * A value a mediator copies from the message into an HTTP header (`<property scope="transport">`,
 * `<header scope="transport">`) is checked where it is made: CR/LF, control characters, characters
 * beyond Latin-1 and overlong values get a 400 fault naming the mediator's file:line, and no backend is
 * sent anything, blamed or suspended. Literal values that could never be sent are configuration errors.
 */
import test from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { ADMIN, configDir, post, soap11, startGateway } from '../helpers/gateway.ts';
import { runMoor } from '../helpers/processes.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const ADD = '<c:AddItem xmlns:c="urn:moor:demo:cart"><c:item>x</c:item></c:AddItem>';
const trace = (value: string): string => soap11(ADD, `<t:Trace xmlns:t="urn:trace">${value}</t:Trace>`);

/** Line 3 copies t:Trace into a request header, line 4 into a response header; three members, no retries kept from view. */
function files(members: string): Record<string, string> {
  return {
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config" xmlns:t="urn:trace">
<moor:limits maxHeaderValueBytes="2048"/>
<proxy name="In"><target><inSequence><property name="X-Trace" scope="transport" expression="$header/t:Trace"/>
<send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>
<proxy name="Out"><target><inSequence><property name="trace" expression="$header/t:Trace"/><send><endpoint key="Carts"/></send></inSequence>
<outSequence><header name="X-Trace" scope="transport" expression="get-property('trace')"/><send/></outSequence></target></proxy>
<endpoint name="Carts"><loadbalance>${members}</loadbalance></endpoint>
</definitions>`,
  };
}

const HOSTILE: [string, string, RegExp][] = [
  ['CR LF', 'a\r\nX-Injected: 1', /a line break \(CR or LF\)/],
  ['LF alone', 'a\nb', /a line break/],
  // (XML 1.0 has no C0 control character but tab, LF and CR, even as a reference: DEL is the one left)
  ['DEL', 'a\u007fb', /the control character 0x7f/],
  ['beyond Latin-1', 'price €5', /the character U\+20AC, beyond Latin-1/],
  ['70 KB', 'v'.repeat(70 * 1024), /71680 bytes, more than maxHeaderValueBytes \(2048\)/],
];

async function backends(t: import('ava').ExecutionContext): Promise<CartBackend[]> {
  const list = await startBackends(3);
  t.teardown(() => Promise.all(list.map((b) => b.close())).then(() => undefined));
  return list;
}

test('hostile values copied into a request header: a 400 fault at the mediator, no backend reached or suspended', async (t) => {
  const carts = await backends(t);
  const gw = await startGateway(files(memberEndpoints(carts)), ADMIN);
  t.teardown(() => gw.close());
  for (const [what, value, problem] of HOSTILE) {
    const r = await post(`${gw.url}/services/In`, trace(value), ACTION);
    t.is(r.status, 400, what);
    t.regex(r.text, /<faultcode>soapenv:Client<\/faultcode>|:Client</, `${what}: the client is blamed`);
    t.regex(r.text, /MOOR_ERR_HEADER_VALUE/, what);
    t.regex(r.text, /&lt;property name="X-Trace" scope="transport"&gt; at .*p\.xml:3:\d+ made a value of the HTTP header X-Trace with /, `${what}: names the mediator`);
    t.regex(r.text, problem, what);
    t.false(r.text.includes('X-Injected: 1\r\n'), 'the value is not echoed raw');
  }
  const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { state: string }[] };
  t.deepEqual(health.endpoints.map((e) => e.state), ['active', 'active', 'active'], 'no member was suspended');
  // a value a header can carry (Latin-1, tabs) goes through, on every member
  const ok = await post(`${gw.url}/services/In`, trace('caf\u00e9\tok'), ACTION);
  t.is(ok.status, 200);
});

test('a hostile value copied into a response header: a 400 fault, not a broken answer', async (t) => {
  const carts = await backends(t);
  const gw = await startGateway(files(memberEndpoints(carts)), ADMIN);
  t.teardown(() => gw.close());
  const r = await post(`${gw.url}/services/Out`, trace('a\r\nSet-Cookie: stolen=1'), ACTION);
  t.is(r.status, 400);
  t.is(r.headers['set-cookie'], undefined, 'no header was injected');
  t.regex(r.text, /&lt;header name="X-Trace" scope="transport"&gt; at .*p\.xml:6:\d+ made a value of the HTTP header X-Trace with a line break/);
  t.is((await post(`${gw.url}/services/Out`, trace('fine'), ACTION)).headers['x-trace'], 'fine');
});

test('literal values and names that no HTTP header can carry are configuration errors at their place', async (t) => {
  const dir = await configDir({
    'h.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse">
<sequence name="main">
  <property name="X-A" scope="transport" value="a&#10;b"/>
  <header name="X B" scope="transport" value="v"/>
  <header name="X-C" scope="transport" value="&#8364;"/>
  <drop/>
</sequence></definitions>`,
  });
  const r = await runMoor(['validate', '--config', dir]);
  t.is(r.code, 1);
  t.regex(r.stdout, /h\.xml:3:3 MOOR_ERR_BAD_VALUE the value of the HTTP header X-A holds a line break \(CR or LF\)/);
  t.regex(r.stdout, /h\.xml:4:3 MOOR_ERR_BAD_VALUE "X B" cannot be an HTTP header name/);
  t.regex(r.stdout, /h\.xml:5:3 MOOR_ERR_BAD_VALUE the value of the HTTP header X-C holds the character U\+20AC, beyond Latin-1/);
});
