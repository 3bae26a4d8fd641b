import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const order = soap11(`<o:Order xmlns:o="urn:o"><o:id>42</o:id></o:Order>`);

test('<propertyGroup> sets its properties in order, as if written one after the other', async (t) => {
  const backend = await startSoapBackend();
  const group = `<propertyGroup description="headers for the backend">
      <property name="id" expression="//*[local-name()='id']"/>
      <property name="X-Order" scope="transport" expression="concat('order-', $ctx:id)"/>
      <property name="id" action="remove"/>
      <property name="X-Had-Id" scope="transport" expression="boolean($ctx:id)"/>
    </propertyGroup>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: group, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(res.status, 200);
    t.is(backend.received[0]?.headers['x-order'], 'order-42');
    t.is(backend.received[0]?.headers['x-had-id'], 'false', 'the remove ran after the header was set, before the last property');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('<throwError> runs the fault sequence with ERROR_CODE = its type and ERROR_MESSAGE = its message', async (t) => {
  const backend = await startSoapBackend();
  const fault = `<makefault><code value="s:Client" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat($ctx:ERROR_CODE, ': ', $ctx:ERROR_MESSAGE)"/></makefault><respond/>`;
  const inSeq = `<filter xpath="//*[local-name()='id'] = '42'"><then><throwError type="PAYLOAD_ERROR" errorMessage="{concat('order ', //*[local-name()='id'], ' is closed')}"/></then></filter>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, fault, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(elementText(res.text, 'faultstring'), 'PAYLOAD_ERROR: order 42 is closed');
    t.is(backend.received.length, 0, 'nothing after the throwError ran');
    const other = await post(`${gw.url}/services/P`, soap11(`<o:Order xmlns:o="urn:o"><o:id>7</o:id></o:Order>`));
    t.is(other.status, 200, 'another order goes through');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('<throwError> without a fault handler answers a Server fault in the request\'s SOAP version', async (t) => {
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<throwError type="BLOCKED" errorMessage="not today"/>`, uri: 'http://127.0.0.1:9/x' })) });
  try {
    const res = await post(`${gw.url}/services/P`, soap12(`<o:Order xmlns:o="urn:o"/>`), { 'content-type': 'application/soap+xml' });
    t.is(res.status, 500);
    t.regex(res.text, /<soapenv:Value>soapenv:Receiver<\/soapenv:Value>/);
    t.regex(res.text, /not today/);
  } finally {
    await gw.close();
  }
});

test('configuration mistakes in <propertyGroup> and <throwError> are reported at their place', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'p.xml': definitions(
        proxy('P', {
          in: `\n<propertyGroup><log/></propertyGroup>\n<throwError type="T"/>\n<throwError errorMessage="{\${secret('x')}}"/>\n<propertyGroup><property name="n" type="NUMBER" value="1"/></propertyGroup>`,
        }),
      ),
    }),
  );
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_UNKNOWN_ELEMENT <log> is not allowed in <propertyGroup>/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_MISSING_ATTRIBUTE/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED the Synapse expression "\$\{secret\('x'\)\}": the function secret\(\) is not one moor reads/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE/);
});
