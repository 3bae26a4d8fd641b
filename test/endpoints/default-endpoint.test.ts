/**
 * <default> endpoints end to end: a real gateway sends to each message's WS-Addressing To (real
 * loopback backends), under the endpoint's own failure policy — its timeout, and one suspension for the
 * endpoint whatever the To, as WSO2's DefaultEndpoint has one EndpointContext; a To that is missing or
 * not http(s) is a fault that leaves the endpoint's state alone; the configuration errors at file:line:col.
 */
import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, elementText, post, soap11, startGateway, XML11 } from '../helpers/gateway.ts';
import { deadUrl, startSoapBackend } from '../mediators/soap-backend.ts';

const reportError = `<faultSequence><makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat(get-property('ERROR_CODE'), ' | ', get-property('ERROR_MESSAGE'))"/></makefault><send/></faultSequence>`;

const ENDPOINT = `<endpoint name="ToHeader">
  <default>
    <timeout><duration>300</duration><responseAction>fault</responseAction></timeout>
    <suspendOnFailure><errorCodes>101503</errorCodes><initialDuration>60000</initialDuration><progressionFactor>1</progressionFactor></suspendOnFailure>
    <markForSuspension><errorCodes>101504</errorCodes><retriesBeforeSuspension>5</retriesBeforeSuspension></markForSuspension>
  </default>
</endpoint>`;

const config = definitions(`${ENDPOINT}<proxy name="P"><target><inSequence><send><endpoint key="ToHeader"/></send></inSequence>${reportError}</target></proxy>`);

const to = (url: string) => soap11('<m:ping xmlns:m="urn:m"/>', `<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">${url}</wsa:To>`);

test('sends to the message\'s To address, path and all', async (t) => {
  const b = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': config });
  try {
    const res = await post(`${gw.url}/services/P`, to(`${b.url}/deeper?x=1`), XML11);
    t.is(res.status, 200);
    t.deepEqual(b.received.map((r) => r.path), ['/services/Echo/deeper?x=1']);
    t.regex(res.text, /<m:ping/);
  } finally {
    await gw.close();
    await b.close();
  }
});

test('its own failure policy: a refused To suspends the endpoint (101503), and the next message, to a live To, fails at once with 303001', async (t) => {
  const b = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': config });
  try {
    const first = await post(`${gw.url}/services/P`, to(await deadUrl()), XML11);
    t.is(elementText(first.text, 'faultstring'), '101503 | endpoint ToHeader is unreachable');
    const second = await post(`${gw.url}/services/P`, to(b.url), XML11);
    t.regex(elementText(second.text, 'faultstring') ?? '', /^303001 \| /);
    t.is(b.received.length, 0, 'a suspended <default> endpoint sends nothing, whatever the To');
  } finally {
    await gw.close();
    await b.close();
  }
});

test('its own timeout: a backend slower than <duration> is 101504 in the fault sequence', async (t) => {
  const slow = await startSoapBackend(async (r) => {
    await new Promise((res) => setTimeout(res, 1500));
    return { body: r.body };
  });
  const gw = await startGateway({ 'p.xml': config });
  try {
    const started = Date.now();
    const res = await post(`${gw.url}/services/P`, to(slow.url), XML11);
    t.is(elementText(res.text, 'faultstring'), '101504 | endpoint ToHeader timed out');
    t.true(Date.now() - started < 1400);
  } finally {
    await gw.close();
    await slow.close();
  }
});

test('a To that is missing or not http(s) is a fault naming why; the endpoint stays active', async (t) => {
  const b = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': config });
  try {
    const jms = await post(`${gw.url}/services/P`, to('jms:/StockQuoteQueue'), XML11);
    t.regex(elementText(jms.text, 'faultstring') ?? '', /MOOR_ERR_NO_ENDPOINT \| the &lt;default&gt; endpoint ToHeader sends to the message's WS-Addressing To, which is "jms:\/StockQuoteQueue", not an http\(s\) address/);
    const none = await post(`${gw.url}/services/P`, soap11('<m:ping xmlns:m="urn:m"/>'), XML11);
    t.regex(elementText(none.text, 'faultstring') ?? '', /which the message does not have/);
    t.is((await post(`${gw.url}/services/P`, to(b.url), XML11)).status, 200, 'still active');
  } finally {
    await gw.close();
    await b.close();
  }
});

test('<session>, <moor:healthCheck> and format="pox" on a <default> endpoint are refused at file:line:col', async (t) => {
  let errors = '';
  try {
    await (await startGateway({ 'p.xml': definitions(`
<endpoint name="A"><session type="http"/><default/></endpoint>
<endpoint name="B" xmlns:moor="urn:moor:config"><moor:healthCheck path="/h"/><default/></endpoint>
<endpoint name="C"><default format="pox"/></endpoint>`) })).close();
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    errors = e.errors.map(String).join('\n');
  }
  t.regex(errors, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE <session> belongs on an endpoint with <loadbalance> or <failover>/);
  t.regex(errors, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE <moor:healthCheck> needs an address to probe/);
  t.regex(errors, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED format="pox" is not supported/);
});
