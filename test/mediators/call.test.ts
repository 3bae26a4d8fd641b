import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { deadUrl, proxy, type Received, startSoapBackend } from './soap-backend.ts';

const ask = soap11(`<q:Ask xmlns:q="urn:q"><q:what>price</q:what></q:Ask>`);
const answer = (r: Received) => ({
  headers: { 'x-backend': 'A', 'set-cookie': 'S=1' },
  body: soap11(`<q:Answer xmlns:q="urn:q"><q:got>${/<q:what>(\w+)</.exec(r.body)?.[1] ?? '?'}</q:got></q:Answer>`),
});

test('the sequence goes on with the response; <respond/> returns it; the out sequence does not run', async (t) => {
  const a = await startSoapBackend(answer);
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<call><endpoint><address uri="${a.url}"/></endpoint></call>
             <property name="X-Got" scope="transport" expression="//q:got" xmlns:q="urn:q"/>
             <respond/>`,
        out: `<property name="X-Out" scope="transport" value="ran"/>`,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ask);
    t.is(res.status, 200);
    t.is(elementText(res.text, 'got'), 'price');
    t.is(res.headers['set-cookie'], 'S=1', "the response's cookie reaches the client");
    t.is(res.headers['x-out'], undefined);
    t.is(a.received.length, 1);
  } finally {
    await gw.close();
    await a.close();
  }
});

test('a response can be transformed and sent on to a second backend, whose answer runs the out sequence', async (t) => {
  const a = await startSoapBackend(answer);
  const b = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<call><endpoint key="A"/></call>
             <payloadFactory><format><q:Store xmlns:q="urn:q"><q:value>$1</q:value></q:Store></format><args><arg expression="//q:got" xmlns:q="urn:q"/></args></payloadFactory>
             <send><endpoint><address uri="${b.url}"/></endpoint></send>`,
        out: `<property name="X-Out" scope="transport" value="ran"/>`,
      }) + `<endpoint name="A"><address uri="${a.url}"/></endpoint>`,
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ask);
    t.regex(b.received[0]!.body, /<q:Store xmlns:q="urn:q"><q:value>price<\/q:value><\/q:Store>/);
    t.is(b.received[0]!.headers['content-type'], 'text/xml; charset=utf-8');
    t.regex(res.text, /<q:Store/, 'B echoes what it got');
    t.is(res.headers['x-out'], 'ran');
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

test('the response status is the message status and $axis2:HTTP_SC', async (t) => {
  const a = await startSoapBackend(() => ({ status: 500, body: soap11('<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>boom</faultstring></soapenv:Fault>') }));
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<call><endpoint><address uri="${a.url}"/></endpoint></call>
             <filter xpath="$axis2:HTTP_SC = 500"><then><makefault><reason expression="concat('backend said: ', //faultstring)"/></makefault></then></filter>
             <respond/>`,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ask);
    t.is(res.status, 500);
    t.is(elementText(res.text, 'faultstring'), 'backend said: boom');
  } finally {
    await gw.close();
    await a.close();
  }
});

test('an unreachable endpoint is an error the fault sequence handles', async (t) => {
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<call><endpoint><address uri="${await deadUrl()}"/></endpoint></call><respond/>`,
        fault: `<makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat('call failed: ', $ctx:ERROR_CODE)"/></makefault><respond/>`,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ask);
    t.is(res.status, 500);
    t.is(elementText(res.text, 'faultstring'), 'call failed: 101503');
  } finally {
    await gw.close();
  }
});

test('mistakes in <call>, its <source> and <target>, or a key naming nothing, are configuration errors', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'p.xml': definitions(
        proxy('P', {
          in: '\n<call blocking="maybe"><endpoint key="nope"/></call>\n<call><source/></call>\n<call><source type="inline">not json</source></call>\n<call><target type="body"/></call>\n<call><source type="body"/><target>p</target></call>\n<call><target type="property"/></call>',
        }),
      ),
    }),
  );
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE blocking must be one of true, false/);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_UNRESOLVED_KEY no endpoint named "nope"/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_MISSING_ATTRIBUTE <source type="custom"> needs an XPath or json-eval\(\) expression/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_BAD_VALUE <source type="inline"> holds neither XML elements nor JSON/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_UNSUPPORTED <target type="body">/);
  t.regex(lines, /p\.xml:6:\d+ MOOR_ERR_UNSUPPORTED <source type="body">/);
  t.regex(lines, /p\.xml:7:\d+ MOOR_ERR_MISSING_ATTRIBUTE <target type="property"> needs the property name/);
});

test('MI <source>/<target>: the request carries what the source selects; the response goes into a property and the message stays', async (t) => {
  const service = await startSoapBackend((r) => ({ body: soap11(`<q:price xmlns:q="urn:q">${r.body.includes('MSFT') ? '20' : '10'}</q:price>`) }));
  const origin = await startSoapBackend();
  const inSeq = `<call><source type="custom" xmlns:m="urn:m">//m:lookup</source><target type="property">price</target><endpoint><address uri="${service.url}"/></endpoint></call>
    <enrich><source type="property" property="price"/><target type="body" action="child"/></enrich>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, uri: origin.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<m:order xmlns:m="urn:m"><m:lookup><m:symbol>MSFT</m:symbol></m:lookup><m:qty>3</m:qty></m:order>`));
    t.is(res.status, 200);
    t.regex(service.received[0]!.body, /<soapenv:Body><m:lookup xmlns:m="urn:m"><m:symbol>MSFT<\/m:symbol><\/m:lookup><\/soapenv:Body>/, 'the request holds only the selected element');
    t.regex(origin.received[0]!.body, /<m:qty>3<\/m:qty><\/m:order><q:price xmlns:q="urn:q">20<\/q:price>/, 'the message went on unchanged, and the response was kept as XML');
  } finally {
    await gw.close();
    await service.close();
    await origin.close();
  }
});

test('MI <source type="inline"> JSON with a contentType goes out as JSON; without a <target> the response becomes the message', async (t) => {
  const service = await startSoapBackend((r) => ({ body: soap11(`<q:got xmlns:q="urn:q"><q:symbol>${String(JSON.parse(r.body).symbol)}</q:symbol><q:type>${String(r.headers['content-type'])}</q:type></q:got>`) }));
  const inSeq = `<call><source type="inline" contentType="application/json">{"symbol": "IBM"}</source><endpoint><address uri="${service.url}"/></endpoint></call><respond/>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<m:x xmlns:m="urn:m"/>`));
    t.is(res.status, 200, res.text);
    t.is(elementText(res.text, 'symbol'), 'IBM');
    t.is(elementText(res.text, 'type'), 'application/json');
    t.is(service.received[0]!.body, '{"symbol": "IBM"}');
  } finally {
    await gw.close();
    await service.close();
  }
});

test('a sequence that ends after <call> without sending anything on answers 202, and the backend connection is let go', async (t) => {
  const a = await startSoapBackend(answer);
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<call><endpoint><address uri="${a.url}"/></endpoint></call>` })) });
  try {
    for (let i = 0; i < 20; i++) {
      const res = await post(`${gw.url}/services/P`, ask);
      t.is(res.status, 202);
      t.is(res.text, '');
    }
    t.is(a.received.length, 20);
  } finally {
    await gw.close();
    await a.close();
  }
});
