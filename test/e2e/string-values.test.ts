/**
 * Values taken from expressions that select several nodes, through a real gateway to a real SOAP
 * backend: what the backend receives is what WSO2 MI would send (SynapseXPath.stringValueOf), the
 * nodes joined, not the first one's text as XPath's string() would give.
 */
import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const O = 'xmlns:o="urn:o"';
const ORDER = soap11(`<o:order ${O}><o:item sku="k1">Kettle</o:item><o:item sku="k2">Toaster</o:item></o:order>`);

test('headers and a payload made from several nodes reach the backend as WSO2 sends them', async (t) => {
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const gw = await startGateway({
    'p.xml': definitions(`<proxy name="Orders"><target><inSequence>
      <property name="X-Skus" scope="transport" ${O} expression="//o:item/@sku"/>
      <header name="X-Names" scope="transport" ${O} expression="//o:item/text()"/>
      <property name="X-Count" scope="transport" ${O} expression="count(//o:item)"/>
      <property name="items" ${O} expression="//o:item"/>
      <payloadFactory><format><o:copy ${O}>$1</o:copy></format><args><arg expression="get-property('items')"/></args></payloadFactory>
      <send><endpoint><address uri="${backend.url}"/></endpoint></send>
    </inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  t.teardown(() => gw.close());

  const res = await post(`${gw.url}/services/Orders`, ORDER, { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:order"' });
  t.is(res.status, 200, res.text);
  const sent = backend.received[0]!;
  t.is(sent.headers['x-skus'], 'k1k2', 'every attribute, joined');
  t.is(sent.headers['x-names'], 'KettleToaster', 'every text node, joined');
  t.is(sent.headers['x-count'], '2.0', 'a number as Java writes a Double');
  // the property held both elements as XML, which the payloadFactory put in as XML
  t.regex(sent.body, /<o:copy xmlns:o="urn:o"><o:item sku="k1"( xmlns:o="urn:o")?>Kettle<\/o:item><o:item sku="k2"( xmlns:o="urn:o")?>Toaster<\/o:item><\/o:copy>/);
});
