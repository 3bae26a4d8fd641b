import test from 'ava';
import { definitions, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

test('in the in sequence, answers the client with the current message and stops', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<payloadFactory><format><s:Status xmlns:s="urn:s">up</s:Status></format></payloadFactory><respond/><send/>`,
        out: `<property name="X-Out" scope="transport" value="ran"/>`,
        uri: backend.url,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, soap12(`<s:Ping xmlns:s="urn:s"/>`), { 'content-type': 'application/soap+xml; charset=utf-8' });
    t.is(res.status, 200);
    t.regex(String(res.headers['content-type']), /^application\/soap\+xml/);
    t.is(elementText(res.text, 'Status'), 'up');
    t.is(res.headers['x-out'], undefined, 'the out sequence does not run');
    t.is(backend.received.length, 0, 'nothing after <respond/> runs, nor the proxy endpoint');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('in the out sequence, answers the client; mediators after it do not change the answer', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(proxy('P', { out: `<respond/><property name="HTTP_SC" scope="axis2" value="500"/>`, uri: backend.url })),
  });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<s:Ping xmlns:s="urn:s"/>`));
    t.is(res.status, 200);
    t.regex(res.text, /<s:Ping xmlns:s="urn:s"\/>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});
