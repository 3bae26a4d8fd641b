/**
 * RESPONSE, TransportInURL and ENDPOINT: typed fields that moor's layers read, with the Synapse names
 * kept as views (message/property-scopes.ts). Whoever writes the name, the field follows; what a
 * configuration reads by name (get-property) is what the field says.
 */
import test from 'ava';
import { Axis2Scope, DefaultScope } from '../../src/message/property-scopes.ts';
import { runProxy } from '../../src/testing/index.ts';
import { configDir, definitions, soap11 } from '../helpers/gateway.ts';

test('RESPONSE: the field follows every write of the name, and only the boolean true sets it', (t) => {
  const p = new DefaultScope();
  t.false(p.response);
  p.markResponse();
  t.true(p.response);
  t.is(p.get('RESPONSE'), true, 'the name is a view of it');
  p.set('RESPONSE', 'true');
  t.false(p.response, "the text 'true' is not the boolean (as moor read it before: === true)");
  p.set('RESPONSE', true);
  p.delete('RESPONSE');
  t.false(p.response);
  p.set('RESPONSE', true);
  p.clear();
  t.false(p.response);
  p.set('RESPONSE', true);
  t.true(new DefaultScope(p).response, 'a copy (an <iterate> part) carries it');
  t.deepEqual([...new DefaultScope([['RESPONSE', true], ['x', 1]])], [['RESPONSE', true], ['x', 1]]);
});

test('TransportInURL and ENDPOINT: fields when they are strings, the names as written', (t) => {
  const a = new Axis2Scope();
  a.setTransportInUrl('/services/P?x=1');
  a.setEndpoint('Nodes/n1');
  t.deepEqual([a.transportInUrl, a.endpoint], ['/services/P?x=1', 'Nodes/n1']);
  t.deepEqual(Object.fromEntries(a), { TransportInURL: '/services/P?x=1', ENDPOINT: 'Nodes/n1' });
  a.set('ENDPOINT', 7);
  t.is(a.endpoint, undefined);
  t.is(a.get('ENDPOINT'), 7);
  a.delete('TransportInURL');
  t.is(a.transportInUrl, undefined);
  t.is(new Axis2Scope([['TransportInURL', '/q']]).transportInUrl, '/q');
});

test("get-property reads the views: RESPONSE after <makefault response='true'>, TransportInURL, ENDPOINT after a send", async (t) => {
  const dir = await configDir({
    'p.xml': definitions(`
      <endpoint name="B"><address uri="http://127.0.0.1:1/b"/></endpoint>
      <proxy name="P"><target>
        <inSequence>
          <property name="url" expression="get-property('axis2', 'TransportInURL')"/>
          <call><endpoint key="B"/></call>
          <property name="answeredBy" expression="get-property('axis2', 'ENDPOINT')"/>
          <makefault version="soap11" response="true"><code value="soapenv:Server" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="made"/></makefault>
          <property name="response" expression="get-property('RESPONSE')"/>
        </inSequence>
        <outSequence><send/></outSequence>
      </target></proxy>`),
  });
  const r = await runProxy(dir, 'P', { envelope: '<a/>', path: '/services/P?wsdl2=no' }, { mocks: { B: { envelope: soap11('<ok/>') } } });
  t.is(r.properties.default.url, '/services/P?wsdl2=no');
  t.is(r.properties.default.answeredBy, r.calls[0]!.id);
  t.is(r.properties.default.response, 'true');
  // RESPONSE=true: the in sequence's end answers the client with the fault (flow.ts reads the field)
  t.regex(r.response.envelope, /<faultstring>made<\/faultstring>/);
  t.is(r.response.status, 500);
});
