import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from './soap-backend.ts';

const BODY = `<b:Buy xmlns:b="urn:b"><b:item>tea</b:item></b:Buy>`;

async function run(addressing: boolean, envelope: string, headers: Record<string, string>) {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`<proxy name="P"><target><endpoint><address uri="${backend.url}">${addressing ? '<enableAddressing/>' : ''}</address></endpoint></target></proxy>`),
  });
  try {
    await post(`${gw.url}/services/P`, envelope, headers);
    return { backend, body: backend.received[0]!.body };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('<enableAddressing/> adds wsa:To, wsa:Action from SOAPAction, a MessageID and an anonymous ReplyTo', async (t) => {
  const { backend, body } = await run(true, soap11(BODY), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:buy"' });
  const wsa = 'xmlns:wsa="http://www.w3.org/2005/08/addressing"';
  t.true(body.includes(`<wsa:To ${wsa}>${backend.url}</wsa:To>`), body);
  t.true(body.includes(`<wsa:Action ${wsa}>urn:buy</wsa:Action>`), body);
  t.regex(body, /<wsa:MessageID xmlns:wsa="http:\/\/www.w3.org\/2005\/08\/addressing">urn:uuid:[0-9a-f-]{36}<\/wsa:MessageID>/);
  t.true(body.includes(`<wsa:ReplyTo ${wsa}><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>`), body);
  t.true(body.endsWith(`<soapenv:Body>${BODY}</soapenv:Body></soapenv:Envelope>`));
});

test('headers the message has are kept, in the namespace it uses', async (t) => {
  const sub = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
  const env = soap11(BODY, `<a:MessageID xmlns:a="${sub}">urn:uuid:mine</a:MessageID><a:Action xmlns:a="${sub}">urn:mine</a:Action>`);
  const { body } = await run(true, env, { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:other"' });
  t.true(body.includes(`<a:MessageID xmlns:a="${sub}">urn:uuid:mine</a:MessageID>`), body);
  t.true(body.includes(`<a:Action xmlns:a="${sub}">urn:mine</a:Action>`), body);
  t.regex(body, /<a:To xmlns:a="http:\/\/schemas.xmlsoap.org\/ws\/2004\/08\/addressing">http:\/\/127.0.0.1:\d+\/services\/Echo<\/a:To>/);
  t.true(body.includes(`<a:Address>${sub}/role/anonymous</a:Address>`), body);
  t.is([...body.matchAll(/MessageID/g)].length, 2, 'one MessageID element');
});

test('without <enableAddressing/> nothing is added', async (t) => {
  const { body } = await run(false, soap11(BODY), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:buy"' });
  t.is(body, soap11(BODY));
});
