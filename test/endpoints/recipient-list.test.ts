/**
 * <recipientlist> endpoints end to end: Synapse samples 61, 62 and 63 (their XML, with loopback
 * backends for localhost:9001–9003 and, for 62/63, the list in a property instead of the sample
 * registry's resource), a dead recipient, and the configuration errors at file:line:col.
 */
import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { loadConfig } from '../../src/server/runtime.ts';
import { SAMPLES_DIR } from '../../scripts/compat-table.ts';
import { definitions, post, soap11, startGateway, XML11 } from '../helpers/gateway.ts';
import { deadUrl, startSoapBackend, type SoapBackend } from '../mediators/soap-backend.ts';

const quote = (who: string) => () => ({ body: soap11(`<m0:getQuoteResponse xmlns:m0="http://services.samples"><m0:return>${who}</m0:return></m0:getQuoteResponse>`) });
const REQUEST = soap11('<m0:placeOrder xmlns:m0="http://services.samples"><m0:order><m0:symbol>IBM</m0:symbol></m0:order></m0:placeOrder>');

const ERROR_HANDLER = `<sequence name="errorHandler">
        <makefault response="true">
            <code xmlns:tns="http://www.w3.org/2003/05/soap-envelope" value="tns:Receiver"/>
            <reason value="COULDN'T SEND THE MESSAGE TO THE SERVER."/>
        </makefault>
        <send/>
    </sequence>`;

/** Synapse sample 61: a copy to 3 static recipients, one-way. */
const sample61 = (urls: string[]) => `<sequence name="main" onError="errorHandler">
        <in>
            <property name="OUT_ONLY" value="true" />
            <property name="FORCE_SC_ACCEPTED" scope="axis2" value="true" />
            <send>
                <endpoint>
                    <recipientlist>
${urls.map((u) => `                        <endpoint><address uri="${u}"/></endpoint>`).join('\n')}
                    </recipientlist>
                </endpoint>
            </send>
            <drop/>
        </in>
    </sequence>
    ${ERROR_HANDLER}`;

/** Synapse sample 62 (one-way) and 63 (replies aggregated): the list comes from an expression. */
const dynamicSample = (urls: string[], aggregate: boolean) => `<sequence name="main" onError="errorHandler">
        <in>
            <property name="EP_LIST" value="${urls.join(',')}"/>
            ${aggregate ? '' : '<property name="OUT_ONLY" value="true" /><property name="FORCE_SC_ACCEPTED" scope="axis2" value="true" />'}
            <send>
                <endpoint>
                    <recipientlist>
                        <endpoints value="{get-property('EP_LIST')}"/>
                    </recipientlist>
                </endpoint>
            </send>
            <drop/>
        </in>
        <out>
            <aggregate>
              <onComplete xmlns:m0="http://services.samples" expression="//m0:getQuoteResponse">
                 <send/>
              </onComplete>
            </aggregate>
        </out>
    </sequence>
    ${ERROR_HANDLER}`;

async function backends(n: number): Promise<SoapBackend[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startSoapBackend(quote(`B${i + 1}`))));
}

async function run(config: string, bs: SoapBackend[]) {
  const gw = await startGateway({ 'synapse.xml': definitions(config) });
  try {
    return await post(`${gw.url}/services/SimpleStockQuoteService`, REQUEST, { ...XML11, soapaction: '"urn:placeOrder"' });
  } finally {
    await gw.close();
    for (const b of bs) await b.close();
  }
}

test('sample 61: every static recipient gets a copy of the message; the client gets 202', async (t) => {
  const bs = await backends(3);
  const res = await run(sample61(bs.map((b) => b.url)), bs);
  t.is(res.status, 202);
  for (const b of bs) {
    t.is(b.received.length, 1);
    t.regex(b.received[0]!.body, /<m0:symbol>IBM<\/m0:symbol>/);
  }
});

test('sample 61 with one recipient down: the others still get their copies, and the client its 202', async (t) => {
  const bs = await backends(2);
  const res = await run(sample61([bs[0]!.url, await deadUrl(), bs[1]!.url]), bs);
  t.is(res.status, 202);
  t.deepEqual(bs.map((b) => b.received.length), [1, 1]);
});

test('sample 61 with every recipient down: the client still gets its 202 at once, as in WSO2 (the sends are asynchronous)', async (t) => {
  const res = await run(sample61([await deadUrl(), await deadUrl()]), []);
  t.is(res.status, 202);
  t.is(res.text, '');
});

test('sample 62: the list an expression gives, each address sent a copy', async (t) => {
  const bs = await backends(3);
  const res = await run(dynamicSample(bs.map((b) => b.url), false), bs);
  t.is(res.status, 202);
  t.deepEqual(bs.map((b) => b.received.length), [1, 1, 1]);
});

test('sample 63: each reply runs the out sequence, and <aggregate> answers the client with all of them', async (t) => {
  const bs = await backends(3);
  const res = await run(dynamicSample(bs.map((b) => b.url), true), bs);
  t.is(res.status, 200);
  t.deepEqual([...res.text.matchAll(/<m0:return>(\w+)<\/m0:return>/g)].map((m) => m[1]).sort(), ['B1', 'B2', 'B3']);
});

test('a dynamic list read by get-property from a local entry, as Synapse\'s get-property falls back to one', async (t) => {
  const bs = await backends(2);
  const res = await run(`<localEntry key="EP_LIST">${bs.map((b) => b.url).join(',')}</localEntry>` + dynamicSample([], true).replace(/<property name="EP_LIST" value="[^"]*"\/>/, ''), bs);
  t.is(res.status, 200);
  t.deepEqual([...res.text.matchAll(/<m0:return>(\w+)<\/m0:return>/g)].map((m) => m[1]).sort(), ['B1', 'B2']);
});

test('an address the dynamic list gives twice gets two copies, as in WSO2', async (t) => {
  const bs = await backends(2);
  const res = await run(dynamicSample([bs[0]!.url, bs[1]!.url, bs[0]!.url], false), bs);
  t.is(res.status, 202);
  t.deepEqual(bs.map((b) => b.received.length), [2, 1]);
});

test('<member>s: the copy goes to the request\'s own path on each member host', async (t) => {
  const bs = await backends(2);
  const members = bs.map((b) => `<member hostName="127.0.0.1" httpPort="${new URL(b.url).port}"/>`).join('');
  const res = await run(`<proxy name="SimpleStockQuoteService"><target><inSequence>
      <property name="OUT_ONLY" value="true"/><send><endpoint><recipientlist>${members}</recipientlist></endpoint></send>
    </inSequence></target></proxy>`, bs);
  t.is(res.status, 202);
  for (const b of bs) t.deepEqual(b.received.map((r) => r.path), ['/services/SimpleStockQuoteService']);
});

test('a dynamic list that gives a non-http address is a fault, and nothing is sent', async (t) => {
  const bs = await backends(1);
  const res = await run(sample61([]).replace('<recipientlist>', `<recipientlist><endpoints value="{get-property('L')}"/>`).replace('<property name="OUT_ONLY"', `<property name="L" value="${bs[0]!.url},jms:/Queue"/><property name="OUT_ONLY"`), bs);
  t.is(res.status, 500);
  t.is(bs[0]!.received.length, 0);
});

test('a proxy\'s target endpoint that is a recipient list: a copy to each, replies aggregated in the out sequence', async (t) => {
  const bs = await backends(2);
  const res = await run(`<proxy name="SimpleStockQuoteService"><target>
      <outSequence><aggregate><onComplete xmlns:m0="http://services.samples" expression="//m0:getQuoteResponse"><send/></onComplete></aggregate></outSequence>
      <endpoint><recipientlist>${bs.map((b) => `<endpoint><address uri="${b.url}"/></endpoint>`).join('')}</recipientlist></endpoint>
    </target></proxy>`, bs);
  t.is(res.status, 200);
  t.deepEqual([...res.text.matchAll(/<m0:return>(\w+)<\/m0:return>/g)].map((m) => m[1]).sort(), ['B1', 'B2']);
});

test('<call> to a recipient list is a fault naming why, not a silent single send', async (t) => {
  const bs = await backends(1);
  const res = await run(`<proxy name="SimpleStockQuoteService"><target><inSequence>
      <call><endpoint><recipientlist><endpoint><address uri="${bs[0]!.url}"/></endpoint></recipientlist></endpoint></call><respond/>
    </inSequence></target></proxy>`, bs);
  t.is(res.status, 500);
  t.regex(res.text, /can only be sent to by &lt;send&gt;|can only be sent to by <send>/);
  t.is(bs[0]!.received.length, 0);
});

async function configErrors(xml: string): Promise<string> {
  try {
    const gw = await startGateway({ 'p.xml': definitions(xml) });
    await gw.close();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map(String).join('\n');
    throw e;
  }
  throw new Error('loaded');
}

test('a mixed, empty or oversized list, a bad address, a <session> and a list inside a group are refused at file:line:col', async (t) => {
  const many = Array.from({ length: 65 }, (_, i) => `http://h${i}/`).join(',');
  const errors = await configErrors(`
<endpoint name="Mixed"><recipientlist><endpoint><address uri="http://a/"/></endpoint><member hostName="b" httpPort="1"/></recipientlist></endpoint>
<endpoint name="Empty"><recipientlist/></endpoint>
<endpoint name="Many"><recipientlist><endpoints value="${many}"/></recipientlist></endpoint>
<endpoint name="Jms"><recipientlist><endpoints value="http://a/,jms:/q"/></recipientlist></endpoint>
<endpoint name="Sticky"><session type="http"/><recipientlist><endpoint><address uri="http://a/"/></endpoint></recipientlist></endpoint>
<endpoint name="Nested"><loadbalance><endpoint><recipientlist><endpoint><address uri="http://a/"/></endpoint></recipientlist></endpoint></loadbalance></endpoint>
<endpoint name="BadXPath"><recipientlist><endpoints value="{nope:x()}"/></recipientlist></endpoint>`);
  t.regex(errors, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE <recipientlist> takes <endpoint>s, <member>s or one <endpoints>, not a mix/);
  t.regex(errors, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE <recipientlist> needs <endpoint>s/);
  t.regex(errors, /p\.xml:4:\d+ MOOR_ERR_BAD_VALUE <endpoints value> lists 65 recipients; moor copies a message to at most 64/);
  t.regex(errors, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE the recipient "jms:\/q" is not an http\(s\) URL/);
  t.regex(errors, /p\.xml:6:\d+ MOOR_ERR_BAD_VALUE <session> belongs on an endpoint with <loadbalance> or <failover>/);
  t.regex(errors, /p\.xml:7:\d+ MOOR_ERR_UNSUPPORTED a <recipientlist> as a member of <loadbalance>/);
  t.regex(errors, /p\.xml:8:\d+ MOOR_ERR_BAD_XPATH/);
});

test('samples 62 and 63 load, with a warning that get-property(\'registry\', …) reads no registry resource', async (t) => {
  for (const n of [62, 63]) {
    const loaded = await loadConfig(`${SAMPLES_DIR}/synapse_sample_${n}.xml`);
    t.deepEqual(loaded.errors.map(String), []);
    t.true(loaded.warnings.some((w) => w.code === 'MOOR_WARN_DIFFERENT' && /get-property\('registry', …\) reads a property of that name/.test(w.message) && w.loc.line > 1), `sample ${n}: ${loaded.warnings.join('; ')}`);
  }
});
