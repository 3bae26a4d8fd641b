import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

test('in the in sequence: HTTP 202 with no body, nothing sent, nothing after it runs', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<drop/><send/>`, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<s:Ping xmlns:s="urn:s"/>`));
    t.is(res.status, 202);
    t.is(res.text, '');
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('in the out sequence: the response is discarded and the client gets 202', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { out: `<drop/>`, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<s:Ping xmlns:s="urn:s"/>`));
    t.is(res.status, 202);
    t.is(res.text, '');
    t.is(backend.received.length, 1);
  } finally {
    await gw.close();
    await backend.close();
  }
});
