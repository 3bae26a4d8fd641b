/**
 * `moor test` on REST API suites, in WSO2's unit-test format: an MI project whose API is tested with
 * request-method GET/POST/PUT/DELETE, JSON and POX payloads, WSO2 mock services matched by method and
 * sub-context, and WSO2's 404/405 for a path or method no resource takes. Run as a user runs it: a real
 * `moor test` process, and the same command in process for the failing case's details.
 */
import path from 'node:path';
import test from 'ava';
import { testCommand } from '../../src/cli/test.ts';
import { configDir } from '../helpers/gateway.ts';
import { spawnMoor } from '../helpers/process.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

async function project(extraCase = ''): Promise<string> {
  return configDir({
    'Shop/src/main/wso2mi/artifacts/apis/OrdersAPI.xml': `<api ${SYN} name="OrdersAPI" context="/orders">
  <resource methods="GET" uri-template="/{id}"><inSequence><send><endpoint key="OrdersBackend"/></send></inSequence></resource>
  <resource methods="POST" url-mapping="/"><inSequence><send><endpoint key="OrdersBackend"/></send></inSequence></resource>
  <resource methods="PUT" uri-template="/{id}">
    <inSequence>
      <property name="qty" expression="//qty"/>
      <send><endpoint key="OrdersBackend"/></send>
    </inSequence>
    <outSequence><property name="X-Qty" scope="transport" expression="get-property('qty')"/><send/></outSequence>
  </resource>
  <resource methods="DELETE" uri-template="/{id}">
    <inSequence>
      <payloadFactory><format><deleted xmlns=""><id>$1</id></deleted></format><args><arg expression="get-property('uri.var.id')"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>`,
    'Shop/src/main/wso2mi/artifacts/endpoints/OrdersBackend.xml': `<endpoint ${SYN} name="OrdersBackend"><address uri="http://localhost:9091/backend"/></endpoint>`,
    'Shop/src/test/resources/mock-services/OrdersBackendMock.xml': `<mock-service>
  <service-name>OrdersBackend</service-name><port>9091</port><context>/backend</context>
  <resources>
    <resource><sub-context>/42</sub-context><method>GET</method>
      <response><status-code>200</status-code><headers><header name="Content-Type" value="application/json"/></headers><payload>{"id": 42, "item": "book"}</payload></response></resource>
    <resource><sub-context>/</sub-context><method>POST</method>
      <request><payload>{"item":"pen"}</payload></request>
      <response><status-code>201</status-code><payload>{"id":43}</payload></response></resource>
    <resource><sub-context>/7</sub-context><method>PUT</method>
      <response><status-code>200</status-code><payload><![CDATA[<updated><id>7</id></updated>]]></payload></response></resource>
  </resources>
</mock-service>`,
    'Shop/src/test/wso2mi/OrdersAPITest.xml': `<unit-test>
  <artifacts>
    <test-artifact><artifact>src/main/wso2mi/artifacts/apis/OrdersAPI.xml</artifact></test-artifact>
    <supportive-artifacts><artifact>src/main/wso2mi/artifacts/endpoints/OrdersBackend.xml</artifact></supportive-artifacts>
    <registry-resources/><connector-resources/>
  </artifacts>
  <test-cases>
    <test-case name="GetOrder">
      <input><request-path>/42</request-path><request-method>GET</request-method></input>
      <assertions>
        <assertEquals><actual>$statusCode</actual><expected>200</expected></assertEquals>
        <assertEquals><actual>$body</actual><expected>{"item":"book","id":42}</expected></assertEquals>
        <assertEquals><actual>$ctx:uri.var.id</actual><expected>42</expected></assertEquals>
      </assertions>
    </test-case>
    <test-case name="CreateOrder">
      <input><request-path>/orders</request-path><request-method>POST</request-method>
        <payload>{"item":"pen"}</payload>
        <properties><property name="Content-Type" scope="transport" value="application/json"/></properties></input>
      <assertions>
        <assertEquals><actual>$statusCode</actual><expected>201</expected></assertEquals>
        <assertEquals><actual>$body</actual><expected>{"id":43}</expected></assertEquals>
      </assertions>
    </test-case>
    <test-case name="UpdateOrder">
      <input><request-path>/7</request-path><request-method>PUT</request-method>
        <payload><![CDATA[<order><qty>3</qty></order>]]></payload></input>
      <assertions>
        <assertEquals><actual>$body</actual><expected><![CDATA[<updated><id>7</id></updated>]]></expected></assertEquals>
        <assertEquals><actual>$trp:X-Qty</actual><expected>3</expected></assertEquals>
      </assertions>
    </test-case>
    <test-case name="DeleteOrder">
      <input><request-path>/9</request-path><request-method>DELETE</request-method></input>
      <assertions><assertEquals><actual>$body</actual><expected><![CDATA[<deleted><id>9</id></deleted>]]></expected></assertEquals></assertions>
    </test-case>
    <test-case name="NoSuchResource">
      <input><request-path>/9/lines</request-path><request-method>GET</request-method></input>
      <assertions><assertEquals><actual>$statusCode</actual><expected>404</expected></assertEquals></assertions>
    </test-case>
    <test-case name="NoSuchMethod">
      <input><request-path>/9</request-path><request-method>PATCH</request-method><payload>{}</payload></input>
      <assertions><assertEquals><actual>$statusCode</actual><expected>405</expected></assertEquals></assertions>
    </test-case>${extraCase}
  </test-cases>
  <mock-services><mock-service>src/test/resources/mock-services/OrdersBackendMock.xml</mock-service></mock-services>
</unit-test>`,
  });
}

test('moor test runs an MI project\'s API suite: GET/POST/PUT/DELETE cases, JSON and POX, mock services by method and sub-context, 404 and 405', async (t) => {
  const dir = await project();
  const p = spawnMoor(['test', path.join(dir, 'Shop', 'src', 'test', 'wso2mi')]);
  const code = await p.exited;
  const out = p.stdout();
  t.is(code, 0, out + p.stderr());
  for (const name of ['GetOrder', 'CreateOrder', 'UpdateOrder', 'DeleteOrder', 'NoSuchResource', 'NoSuchMethod']) t.regex(out, new RegExp(`^PASS .*OrdersAPITest\\.xml > ${name} \\(`, 'm'));
});

test('a failing API case says what differed; a request the mock service has no resource for is an error naming it', async (t) => {
  const dir = await project(`
    <test-case name="WrongBody">
      <input><request-path>/42</request-path><request-method>GET</request-method></input>
      <assertions><assertEquals><actual>$body</actual><expected>{"id":41}</expected><message>the order</message></assertEquals></assertions>
    </test-case>
    <test-case name="Unmocked">
      <input><request-path>/8</request-path><request-method>GET</request-method></input>
      <assertions><assertEquals><actual>$statusCode</actual><expected>200</expected></assertEquals></assertions>
    </test-case>`);
  let out = '';
  const code = await testCommand([path.join(dir, 'Shop', 'src', 'test', 'wso2mi')], { out: (l) => (out += `${l}\n`), err: (l) => (out += `${l}\n`) });
  t.is(code, 1);
  t.regex(out, /^FAIL .*OrdersAPITest\.xml > WrongBody/m);
  t.regex(out, /\{"id":41\}/);
  t.regex(out, /^ERROR .*OrdersAPITest\.xml > Unmocked/m);
  t.regex(out, /mock service OrdersBackend .* has no resource that matches the message sent to http:\/\/localhost:9091\/backend\/8/);
});
