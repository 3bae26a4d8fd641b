import test from 'ava';
import { definitions, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { deadUrl, proxy, startSoapBackend } from './soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);
const customFault = `<makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat('custom: ', get-property('ERROR_CODE'))"/><detail expression="get-property('ERROR_MESSAGE')"/></makefault><send/>`;

test("a proxy's faultSequence turns a dead backend into the client's custom fault", async (t) => {
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { fault: customFault, uri: await deadUrl() })) });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(res.status, 500);
    t.is(elementText(res.text, 'faultstring'), 'custom: 101503');
    t.regex(elementText(res.text, 'detail') ?? '', /is unreachable/);
    t.is(res.headers['x-moor-error'], undefined, 'the fault is the configured one, not the gateway default');
    const twelve = await post(`${gw.url}/services/P`, soap12(`<s:Ping xmlns:s="urn:s"/>`), { 'content-type': 'application/soap+xml' });
    t.is(twelve.status, 500);
    // the address is suspended now (Synapse's default, 30 s; 1 s in these tests): 303001, not ready
    t.regex(twelve.text, /<soapenv:Text xml:lang="en">custom: 303001<\/soapenv:Text>/);
  } finally {
    await gw.close();
  }
});

test('the sequence named "fault" handles errors of proxies without a faultSequence and of main', async (t) => {
  const dead = await deadUrl();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', { uri: dead }) +
        `<sequence name="main"><send><endpoint><address uri="${dead}"/></endpoint></send></sequence>
         <sequence name="fault">${customFault}</sequence>`,
    ),
  });
  try {
    t.is(elementText((await post(`${gw.url}/services/P`, ping)).text, 'faultstring'), 'custom: 101503');
    t.is(elementText((await post(`${gw.url}/other`, ping)).text, 'faultstring'), 'custom: 303001');
  } finally {
    await gw.close();
  }
});

test("a sequence's onError handles its own errors before the fault sequence (Synapse sample 4)", async (t) => {
  const dead = await deadUrl();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', { in: `<sequence key="sunSequence"/>`, fault: customFault }) +
        `<sequence name="sunSequence" onError="sunErrorHandler"><send><endpoint><address uri="${dead}"/></endpoint></send></sequence>
         <sequence name="sunErrorHandler"><makefault><reason expression="concat('sun: ', $ctx:ERROR_CODE)"/></makefault><respond/></sequence>`,
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(elementText(res.text, 'faultstring'), 'sun: 101503');
  } finally {
    await gw.close();
  }
});

test('an inline inSequence onError names its handler', async (t) => {
  const gw = await startGateway({
    'p.xml': definitions(
      `<proxy name="P"><target><inSequence onError="h"><property name="n" type="INTEGER" value="x"/></inSequence></target></proxy>
       <sequence name="h"><makefault><reason expression="$ctx:ERROR_MESSAGE"/></makefault><respond/></sequence>`,
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(elementText(res.text, 'faultstring'), 'property n: "x" is not a INTEGER');
  } finally {
    await gw.close();
  }
});

test('sequences given by key, and an error in the out sequence reaching the fault sequence', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      `<proxy name="P"><target inSequence="in" outSequence="out" faultSequence="oops"><endpoint><address uri="${backend.url}"/></endpoint></target></proxy>
       <sequence name="in"><property name="X-In" scope="transport" value="1"/></sequence>
       <sequence name="out"><property name="bad" type="INTEGER" value="nope"/></sequence>
       <sequence name="oops"><makefault><reason expression="concat('out failed: ', $ctx:ERROR_MESSAGE)"/></makefault><send/></sequence>`,
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(backend.received[0]!.headers['x-in'], '1');
    t.is(res.status, 500);
    t.is(elementText(res.text, 'faultstring'), 'out failed: property bad: "nope" is not a INTEGER');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('with no handler, or a handler that does not answer, the client gets the gateway fault', async (t) => {
  const dead = await deadUrl();
  const gw = await startGateway({
    'p.xml': definitions(proxy('Bare', { uri: dead }) + proxy('Silent', { fault: `<log level="custom"><property name="e" expression="$ctx:ERROR_CODE"/></log>`, uri: dead })),
  });
  try {
    for (const name of ['Bare', 'Silent']) {
      const res = await post(`${gw.url}/services/${name}`, ping);
      t.is(res.status, 500, name);
      t.is(res.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_UNREACHABLE', name);
    }
  } finally {
    await gw.close();
  }
});
