/**
 * `{{…}}` template parameters through a real gateway against a real SOAP backend, in the shape of
 * Synapse's sample 851 (splitter and aggregator templates): the proxy passes the XPaths themselves, and
 * the templates' <iterate> and <aggregate> evaluate them — the split expression over the request, the
 * aggregate expression over each reply as it comes back. Synapse's samples take those templates from its
 * EIP library (`<import package="synapse.lang.eip">`), which moor does not read; here they are written
 * out.
 */
import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { type Received, startSoapBackend } from '../mediators/soap-backend.ts';

const M0 = 'http://services.samples';
const symbolsIn = (xml: string): string[] => [...xml.matchAll(/<m0:symbol>(\w+)<\/m0:symbol>/g)].map((m) => m[1]!);

/** Answers one m0:return per symbol the request holds, with the price the test gives it. */
const quotes = (price: (symbol: string) => number) => (r: Received) => ({
  body: soap11(
    `<m0:getQuoteResponse xmlns:m0="${M0}">${symbolsIn(r.body)
      .map((s) => `<m0:return><m0:symbol>${s}</m0:symbol><m0:last>${price(s)}</m0:last></m0:return>`)
      .join('')}</m0:getQuoteResponse>`,
  ),
});

const TEMPLATES = `
  <template name="splitter">
    <parameter name="iterate_exp"/><parameter name="attach_path"/><parameter name="endpoint_uri"/>
    <sequence>
      <iterate expression="$func:iterate_exp" preservePayload="true" attachPath="$func:attach_path">
        <target><sequence><header name="To" expression="$func:endpoint_uri"/><send/></sequence></target>
      </iterate>
    </sequence>
  </template>
  <template name="aggregator">
    <parameter name="aggregator_exp"/>
    <sequence>
      <aggregate><onComplete expression="$func:aggregator_exp"><send/></onComplete></aggregate>
    </sequence>
  </template>`;

test('sample 851 in shape: {{…}} XPaths split the request in the splitter template and gather the replies in the aggregator', async (t) => {
  const backend = await startSoapBackend(quotes((s) => s.length));
  const gw = await startGateway({
    'synapse.xml': definitions(`${TEMPLATES}
      <proxy name="StockQuoteProxy"><target>
        <inSequence>
          <call-template target="splitter">
            <with-param xmlns:m0="${M0}" name="iterate_exp" value="{{//m0:getQuote/m0:request}}"/>
            <with-param xmlns:m0="${M0}" name="attach_path" value="{{//m0:getQuote}}"/>
            <with-param name="endpoint_uri" value="${backend.url}"/>
          </call-template>
        </inSequence>
        <outSequence>
          <call-template target="aggregator">
            <with-param xmlns:m0="${M0}" name="aggregator_exp" value="{{//m0:return}}"/>
          </call-template>
        </outSequence>
      </target></proxy>`),
  });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const request = soap11(`<m0:getQuote xmlns:m0="${M0}">${['IBM', 'MSFT', 'SUN'].map((s) => `<m0:request><m0:symbol>${s}</m0:symbol></m0:request>`).join('')}</m0:getQuote>`);
  const res = await post(`${gw.url}/services/StockQuoteProxy`, request);

  t.is(res.status, 200, res.text);
  // one request per m0:request, each attached under its m0:getQuote (the two passed expressions)
  t.is(backend.received.length, 3);
  for (const r of backend.received) {
    t.is(symbolsIn(r.body).length, 1, r.body);
    t.regex(r.body, /<soapenv:Body><m0:getQuote xmlns:m0="http:\/\/services.samples"><m0:request><m0:symbol>\w+<\/m0:symbol><\/m0:request><\/m0:getQuote>/);
  }
  t.deepEqual(backend.received.map((r) => symbolsIn(r.body)[0]).sort(), ['IBM', 'MSFT', 'SUN']);
  // the client gets one envelope gathering every m0:return the replies held (the aggregator's expression)
  t.is([...res.text.matchAll(/<soapenv:Envelope/g)].length, 1);
  t.deepEqual(symbolsIn(res.text), ['IBM', 'MSFT', 'SUN']);
  t.deepEqual([...res.text.matchAll(/<m0:last>(\d+)<\/m0:last>/g)].map((m) => m[1]), ['3', '4', '3']);
});
