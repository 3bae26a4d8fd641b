import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, startSoapBackend } from './soap-backend.ts';

const quote = (symbol: string) => soap11(`<m:getQuote xmlns:m="urn:m"><m:symbol>${symbol}</m:symbol></m:getQuote>`);

test('the first matching case runs, else the default (Synapse sample 2)', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<switch source="//m0:getQuote/m0:symbol" xmlns:m0="urn:m">
               <case regex="IBM"><property name="symbol" value="Great stock - IBM"/></case>
               <case regex="MS.*"><property name="symbol" value="Are you sure? - MSFT"/></case>
               <case regex="MSFT"><property name="symbol" value="never reached"/></case>
               <default><property name="symbol" expression="fn:concat('Normal Stock - ', //m0:getQuote/m0:symbol)"/></default>
             </switch>
             <property name="X-Symbol" scope="transport" expression="get-property('symbol')"/>`,
        uri: backend.url,
      }),
    ),
  });
  try {
    for (const s of ['IBM', 'MSFT', 'SUN', 'IBMX']) t.is((await post(`${gw.url}/services/P`, quote(s))).status, 200);
    t.deepEqual(
      backend.received.map((r) => r.headers['x-symbol']),
      ['Great stock - IBM', 'Are you sure? - MSFT', 'Normal Stock - SUN', 'Normal Stock - IBMX'],
    );
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('no match and no default goes on; a case that drops stops the sequence', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<switch source="$trp:X-Kind"><case regex="spam"><drop/></case><case regex="vip"><property name="X-Vip" scope="transport" value="1"/></case></switch>`,
        uri: backend.url,
      }),
    ),
  });
  try {
    const spam = await post(`${gw.url}/services/P`, quote('A'), { 'content-type': 'text/xml', 'x-kind': 'spam' });
    t.is(spam.status, 202);
    const other = await post(`${gw.url}/services/P`, quote('B'), { 'content-type': 'text/xml', 'x-kind': 'other' });
    t.is(other.status, 200);
    await post(`${gw.url}/services/P`, quote('C'), { 'content-type': 'text/xml', 'x-kind': 'vip' });
    t.deepEqual(backend.received.map((r) => r.headers['x-vip']), [undefined, '1']);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('configuration mistakes are reported at their place', async (t) => {
  const lines = await configErrorsOf(`
<switch><case regex="a"/></switch>
<switch source="$trp:a"><case regex="[z-a]"/><csae regex="b"/><default/><default/></switch>`);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_MISSING_ATTRIBUTE <switch> needs the attribute source/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE regex "\[z-a\]" is not a regular expression/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNKNOWN_ELEMENT <csae> is not allowed in <switch>.*did you mean "case"/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE <switch> takes one <default>/);
});
