import test from 'ava';
import { definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const hello = soap11(`<h:Hello xmlns:h="urn:h"><h:name>Ada</h:name></h:Hello>`);

test('answers from the in sequence through the out sequence; the backend is not called', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: `<payloadFactory><format><h:Greeting xmlns:h="urn:h">Hello, $1</h:Greeting></format><args><arg expression="//h:name" xmlns:h="urn:h"/></args></payloadFactory>
             <loopback/>
             <property name="X-After" scope="transport" value="ran"/>`,
        out: `<property name="X-Out" scope="transport" value="ran"/><header name="g:Via" value="moor" xmlns:g="urn:g"/>`,
        uri: backend.url,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, hello);
    t.is(res.status, 200);
    t.is(elementText(res.text, 'Greeting'), 'Hello, Ada');
    t.is(res.headers['x-out'], 'ran');
    t.regex(res.text, /<g:Via xmlns:g="urn:g">moor<\/g:Via>/);
    t.is(res.headers['x-after'], undefined, 'mediators after <loopback/> do not run');
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('header blocks set before the loopback are seen by the out sequence; a fault keeps its status', async (t) => {
  const gw = await startGateway({
    'main.xml': definitions(
      `<sequence name="main">
         <in>
           <filter xpath="//h:name = 'Eve'" xmlns:h="urn:h"><then><makefault><reason value="not you"/></makefault></then></filter>
           <header name="a:Mark" value="m1" xmlns:a="urn:a"/>
           <loopback/>
         </in>
         <out><property name="X-Mark" scope="transport" expression="$header/a:Mark" xmlns:a="urn:a"/></out>
       </sequence>`,
    ),
  });
  try {
    const ok = await post(`${gw.url}/x`, hello);
    t.is(ok.headers['x-mark'], 'm1');
    t.regex(ok.text, /<h:name>Ada<\/h:name>/, 'the request itself comes back');
    const fault = await post(`${gw.url}/x`, soap11(`<h:Hello xmlns:h="urn:h"><h:name>Eve</h:name></h:Hello>`));
    t.is(fault.status, 500);
    t.is(elementText(fault.text, 'faultstring'), 'not you');
  } finally {
    await gw.close();
  }
});
