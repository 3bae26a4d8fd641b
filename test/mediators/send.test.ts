import test from 'ava';
import { definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from './soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);

test('sends to an inline endpoint and to a named one; the response runs main <out>', async (t) => {
  const a = await startSoapBackend();
  const b = await startSoapBackend();
  const gw = await startGateway({
    'main.xml': definitions(
      `<endpoint name="B"><address uri="${b.url}"/></endpoint>
       <sequence name="main">
         <in>
           <filter source="$trp:X-To" regex="b"><then><send><endpoint key="B"/></send></then>
             <else><send><endpoint><address uri="${a.url}"/></endpoint></send></else></filter>
         </in>
         <out><property name="X-Out" scope="transport" value="ran"/><send/></out>
       </sequence>`,
    ),
  });
  try {
    const r1 = await post(`${gw.url}/x`, ping);
    const r2 = await post(`${gw.url}/x`, ping, { 'content-type': 'text/xml', 'x-to': 'b' });
    t.is(r1.headers['x-out'], 'ran');
    t.is(r2.headers['x-out'], 'ran');
    t.is(a.received.length, 1);
    t.is(b.received.length, 1);
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

test('receive="seq" runs that sequence on the response instead of the out path', async (t) => {
  const a = await startSoapBackend();
  const gw = await startGateway({
    'main.xml': definitions(
      `<sequence name="main"><in><send receive="onReply"><endpoint><address uri="${a.url}"/></endpoint></send></in><out><property name="X-Out" scope="transport" value="ran"/></out></sequence>
       <sequence name="onReply"><property name="X-Reply" scope="transport" value="seen"/></sequence>`,
    ),
  });
  try {
    const res = await post(`${gw.url}/x`, ping);
    t.is(res.headers['x-reply'], 'seen');
    t.is(res.headers['x-out'], undefined);
  } finally {
    await gw.close();
    await a.close();
  }
});

test('without an endpoint: to the WS-Addressing To address, else a fault', async (t) => {
  const a = await startSoapBackend();
  const gw = await startGateway({ 'main.xml': definitions(`<sequence name="main"><send/></sequence>`) });
  try {
    const to = soap11(`<s:Ping xmlns:s="urn:s"/>`, `<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">${a.url}</wsa:To>`);
    t.is((await post(`${gw.url}/x`, to)).status, 200);
    t.is(a.received.length, 1);
    const none = await post(`${gw.url}/x`, ping);
    t.is(none.status, 500);
    t.is(none.headers['x-moor-error'], 'MOOR_ERR_NO_ENDPOINT');
    t.regex(elementText(none.text, 'faultstring') ?? '', /&lt;send\/&gt; without an endpoint needs a WS-Addressing To header/);
  } finally {
    await gw.close();
    await a.close();
  }
});
