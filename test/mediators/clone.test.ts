import test from 'ava';
import { definitions, post, soap11, startGateway, XML11 } from '../helpers/gateway.ts';
import { configErrorsOf, startSoapBackend } from './soap-backend.ts';

const answer = (who: string) => () => ({ body: soap11(`<r:Quote xmlns:r="urn:r"><r:from>${who}</r:from></r:Quote>`) });

/** A proxy that clones each request to two backends and aggregates their answers in its out sequence. */
async function cloned(cloneAttrs: string) {
  const a = await startSoapBackend(answer('A'));
  const b = await startSoapBackend(answer('B'));
  const gw = await startGateway({
    'p.xml': definitions(`<proxy name="P"><target>
      <inSequence><clone id="c" ${cloneAttrs}>
        <target><endpoint><address uri="${a.url}"/></endpoint></target>
        <target soapAction="urn:b"><sequence><property name="X-Copy" scope="transport" value="b"/><send><endpoint><address uri="${b.url}"/></endpoint></send></sequence></target>
      </clone></inSequence>
      <outSequence><aggregate id="c"><onComplete xmlns:r="urn:r" expression="//r:Quote"><send/></onComplete></aggregate></outSequence>
    </target></proxy>`),
  });
  return { a, b, gw, close: async () => { await gw.close(); await a.close(); await b.close(); } };
}

test('each target gets a copy of the whole message; <aggregate> gathers their replies into one answer', async (t) => {
  const { a, b, gw, close } = await cloned('');
  try {
    const req = soap11('<p:Ping xmlns:p="urn:p"><p:n>7</p:n></p:Ping>');
    const res = await post(`${gw.url}/services/P`, req, XML11);
    t.is(res.status, 200);
    t.is(a.received.length, 1);
    t.is(b.received.length, 1);
    for (const got of [a.received[0]!, b.received[0]!]) t.regex(got.body, /<p:Ping xmlns:p="urn:p"><p:n>7<\/p:n><\/p:Ping>/);
    t.is(b.received[0]!.headers['x-copy'], 'b');
    t.is(b.received[0]!.headers.soapaction, '"urn:b"');
    t.is(a.received[0]!.headers['x-copy'], undefined);
    t.deepEqual([...res.text.matchAll(/<r:from>(\w)<\/r:from>/g)].map((m) => m[1]).sort(), ['A', 'B']);
  } finally {
    await close();
  }
});

test('sequential="true" runs the targets one after another, in order', async (t) => {
  const { a, b, gw, close } = await cloned('sequential="true"');
  try {
    const res = await post(`${gw.url}/services/P`, soap11('<p:Ping xmlns:p="urn:p"/>'), XML11);
    t.is(res.status, 200);
    t.deepEqual([...res.text.matchAll(/<r:from>(\w)<\/r:from>/g)].map((m) => m[1]), ['A', 'B']);
    t.is(a.received.length + b.received.length, 2);
  } finally {
    await close();
  }
});

test('a clone without targets, and a target with both or neither, are refused at file:line:col', async (t) => {
  const errors = await configErrorsOf(`<clone/>
<clone><target/></clone>`);
  t.regex(errors, /p\.xml:\d+:\d+ MOOR_ERR_MISSING_ATTRIBUTE <clone> needs at least one <target>/);
  t.regex(errors, /p\.xml:\d+:\d+ MOOR_ERR_BAD_VALUE <target> of <clone> takes a sequence or an endpoint/);
});

test('<target to="…"> sets each copy\'s To, as Synapse\'s Target does: a <send/> in its sequence goes there; an endpoint keeps its own address', async (t) => {
  const a = await startSoapBackend(answer('A'));
  const b = await startSoapBackend(answer('B'));
  const c = await startSoapBackend(answer('C'));
  const gw = await startGateway({
    'p.xml': definitions(`<proxy name="P"><target>
      <inSequence><clone id="c">
        <target to="${a.url}"><sequence><send/></sequence></target>
        <target to="${b.url}"><sequence><send/></sequence></target>
        <target to="${a.url}"><endpoint><address uri="${c.url}"/></endpoint></target>
      </clone></inSequence>
      <outSequence><aggregate id="c"><onComplete xmlns:r="urn:r" expression="//r:Quote"><send/></onComplete></aggregate></outSequence>
    </target></proxy>`),
  });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });
  const res = await post(`${gw.url}/services/P`, soap11('<p:Ping xmlns:p="urn:p"/>'), XML11);
  t.is(res.status, 200, res.text);
  t.is(a.received.length, 1, 'the first copy went to its to= address');
  t.is(b.received.length, 1, 'the second to its own');
  t.is(c.received.length, 1, 'the third to its endpoint, whatever its to= says');
  t.regex(b.received[0]!.body, new RegExp(`<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">${b.url.replaceAll('.', '\\.')}</wsa:To>`));
  t.deepEqual([...res.text.matchAll(/<r:from>(\w)<\/r:from>/g)].map((m) => m[1]).sort(), ['A', 'B', 'C']);
});
