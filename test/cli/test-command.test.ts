/**
 * `moor test` as a user runs it: a real `moor` process on XML suites; its output, exit code, JUnit
 * report, and how it reports broken suites and failed assertions (with their file:line).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { configDir, definitions } from '../helpers/gateway.ts';
import { spawnMoor } from '../helpers/process.ts';
import { testCommand } from '../../src/cli/test.ts';

/** `moor test …args` in a real process. */
async function moor(args: string[]): Promise<{ code: number | string; out: string; err: string }> {
  const p = spawnMoor(['test', ...args]);
  const code = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

/** The same command in this process (what `moor` runs after its arguments), for the cases that need no process. */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await testCommand(args, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`) });
  return { code, out, err };
}

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const reply = (inner: string): string => `<soapenv:Envelope xmlns:soapenv="${SOAP}"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

/** A proxy that stamps a header and sends to Backend; one suite with a passing and a failing case. */
async function project(): Promise<{ dir: string; suite: string; failingLine: number }> {
  const dir = await configDir({
    'conf/orders.xml': definitions(`
      <endpoint name="Backend"><address uri="http://orders.test/svc"/></endpoint>
      <proxy name="Orders"><target>
        <inSequence><property name="X-Via" scope="transport" value="moor"/><send><endpoint key="Backend"/></send></inSequence>
        <outSequence><send/></outSequence>
      </target></proxy>`),
  });
  const lines = [
    '<unit-test>',
    '  <artifacts><test-artifact><artifact>../conf/orders.xml</artifact></test-artifact></artifacts>',
    '  <test-cases>',
    '    <test-case name="passes">',
    '      <input><payload><![CDATA[<o:Order xmlns:o="urn:o"><o:id>1</o:id></o:Order>]]></payload></input>',
    '      <assertions>',
    '        <assertEquals><actual>$body</actual><expected><![CDATA[<Ok xmlns="urn:o">1</Ok>]]></expected><message>the answer</message></assertEquals>',
    '        <assertReceived endpoint="Backend" count="1" expression="$trp:X-Via" equals="moor"/>',
    '      </assertions>',
    '    </test-case>',
    '    <test-case name="fails">',
    '      <input><payload><![CDATA[<o:Order xmlns:o="urn:o"><o:id>2</o:id></o:Order>]]></payload></input>',
    '      <assertions>',
    '        <assertEquals><actual>$body</actual><expected><![CDATA[<Ok xmlns="urn:o">2</Ok>]]></expected><message>the answer names the order</message></assertEquals>',
    '      </assertions>',
    '    </test-case>',
    '  </test-cases>',
    `  <mock-services><mock endpoint="Backend"><payload><![CDATA[${reply('<x:Ok xmlns:x="urn:o">1</x:Ok>')}]]></payload></mock></mock-services>`,
    '</unit-test>',
  ];
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  const suite = path.join(dir, 'tests', 'orders-test.xml');
  await writeFile(suite, lines.join('\n'));
  return { dir, suite, failingLine: lines.findIndex((l) => l.includes('names the order')) + 1 };
}

// the cases that start a `moor` process run one at a time: processes starting together only slow each other
test.serial('the shipped suites of mediators/ pass, one line per case and the summary', async (t) => {
  const r = await moor(['mediators/tests']);
  t.is(r.code, 0, r.out + r.err);
  const lines = r.out.trim().split('\n');
  t.is(lines.at(-1), '10 passed, 0 failed');
  for (const l of lines.slice(0, -1)) t.regex(l, /^PASS mediators\/tests\/[\w-]+\.xml > .+ \(\d+(\.\d)? ms\)$/);
  t.is(r.err, '');
  const withConfig = await inProcess(['--config', 'mediators', 'mediators/tests']);
  t.is(withConfig.code, 0, withConfig.out + withConfig.err);
  t.regex(withConfig.out, /\n10 passed, 0 failed\n$/);
});

test.serial('a failing assertion shows its file:line, the expected and the actual value; exit 1', async (t) => {
  const { suite, failingLine } = await project();
  const r = await moor([suite]);
  t.is(r.code, 1);
  t.regex(r.out, /^PASS .*orders-test\.xml > passes \(/m);
  t.regex(r.out, /^FAIL .*orders-test\.xml > fails \(/m);
  t.true(r.out.includes(`orders-test.xml:${failingLine}:9 assertEquals $body: the answer names the order\n`), r.out);
  t.regex(r.out, /^ {6}expected: <Ok xmlns="urn:o">2<\/Ok>$/m);
  t.regex(r.out, /^ {6}actual: {3}<x:Ok xmlns:x="urn:o">1<\/x:Ok>$/m);
  t.regex(r.out, /^ {6}at \/Ok: text "1" where text "2" was expected$/m);
  t.regex(r.out, /\n1 passed, 1 failed\n$/);
});

test.serial('--reporter junit --output writes a JUnit report', async (t) => {
  const { dir, suite, failingLine } = await project();
  const report = path.join(dir, 'report.xml');
  const r = await moor(['--reporter', 'junit', '--output', report, suite]);
  t.is(r.code, 1);
  t.regex(r.out, /\n1 passed, 1 failed\n$/, 'the text report still goes to stdout');
  const xml = await readFile(report, 'utf8');
  t.regex(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="moor test" tests="2" failures="1" errors="0" time="[\d.]+">/);
  t.regex(xml, /<testsuite name="[^"]*orders-test\.xml" [^>]*tests="2" failures="1" errors="0"/);
  t.regex(xml, /<testcase name="passes" classname="[^"]*orders-test\.xml" [^>]*line="4" time="[\d.]+"\/>/);
  t.regex(xml, new RegExp(`<testcase name="fails" [^>]*><failure message="[^"]*orders-test\\.xml:${failingLine} assertEquals \\$body: the answer names the order" type="assertEquals">`));
  t.regex(xml, /expected: &lt;Ok xmlns="urn:o"&gt;2&lt;\/Ok&gt;/);
  const stdout = await inProcess(['--reporter', 'junit', suite]);
  t.regex(stdout.out, /^<\?xml[^\n]*\n<testsuites /, 'without --output the report is the only thing on stdout');
  t.notRegex(stdout.out, /passed,/);
});

test.serial('--output where no file can be written: the run report, then one line saying so, exit 1 (it was a stack trace)', async (t) => {
  const { dir, suite } = await project();
  const report = path.join(dir, 'no-such-folder', 'report.xml');
  const r = await moor(['--reporter', 'junit', '--output', report, suite]);
  t.is(r.code, 1);
  t.regex(r.out, /\n1 passed, 1 failed\n$/);
  t.is(r.err, `moor: --output ${report}: cannot write the JUnit report there (ENOENT)\n`);
});

test.serial('malformed suites are errors with file:line, not crashes; the other suites still run; exit 1', async (t) => {
  const { dir, suite } = await project();
  const broken = path.join(dir, 'tests', 'broken.xml');
  await writeFile(broken, '<unit-test>\n  <test-cases>\n    <test-case name="x">\n  </test-cases>\n</unit-test>\n');
  const typo = path.join(dir, 'tests', 'typo.xml');
  await writeFile(
    typo,
    [
      '<unit-test>',
      '  <artifacts><test-artifact><artifact>../conf/orders.xml</artifact></test-artifact></artifacts>',
      '  <test-cases><test-case name="x">',
      '    <input><payload file="no-such-envelope.xml"/></input>',
      '    <assertions>',
      '      <assertEqual><actual>$body</actual><expected>x</expected></assertEqual>',
      '      <assertXPath expression="//p:x" equals="1"/>',
      '    </assertions>',
      '  </test-case></test-cases>',
      '</unit-test>',
    ].join('\n'),
  );
  const r = await moor([broken, typo, suite]);
  t.is(r.code, 1);
  t.regex(r.err, /broken\.xml:4:\d+ MOOR_ERR_TEST_SUITE not well-formed XML: /);
  t.regex(r.err, /typo\.xml:4:12 MOOR_ERR_TEST_SUITE the file "no-such-envelope\.xml" does not exist/);
  t.regex(r.err, /typo\.xml:6:7 MOOR_ERR_TEST_SUITE <assertEqual> is not allowed in <assertions> \(did you mean "assertEquals"\?\)/);
  t.regex(r.err, /typo\.xml:7:7 MOOR_ERR_TEST_SUITE prefix "p" in "\/\/p:x" is not declared/);
  t.regex(r.err, /2 suites could not be run/);
  t.notRegex(r.err, /\n\s+at /, 'no stack trace');
  t.regex(r.out, /\n1 passed, 1 failed\n$/);
});

test('an unmocked endpoint fails its case with the endpoint named', async (t) => {
  const { dir } = await project();
  const suite = path.join(dir, 'tests', 'unmocked.xml');
  await writeFile(
    suite,
    `<unit-test><artifacts><test-artifact><artifact>../conf/orders.xml</artifact></test-artifact></artifacts>
     <test-cases><test-case name="no mock"><input><payload><![CDATA[<a/>]]></payload></input><assertions><assertNotNull><actual>$body</actual></assertNotNull></assertions></test-case></test-cases>
     <mock-services/></unit-test>`,
  );
  const r = await inProcess([suite]);
  t.is(r.code, 1);
  t.regex(r.out, /^ERROR .*unmocked\.xml > no mock \(/m);
  t.regex(r.out, /unmocked\.xml:2:\d+ endpoint Backend \(Backend@http:\/\/orders\.test\/svc\) has no mock; mock it by one of: Backend, http:\/\/orders\.test\/svc/);
  t.regex(r.out, /\n0 passed, 1 failed\n$/);
});

test('a WSO2 suite runs as written: project paths, supportive artifacts, mock-service files, properties, $ctx/$trp/$axis2', async (t) => {
  const dir = await configDir({
    'OrdersProject/src/main/synapse-config/sequences/Enrich.xml': `<sequence xmlns="http://ws.apache.org/ns/synapse" name="Enrich">
        <property name="tenant" expression="$trp:X-Tenant"/>
        <property name="priority" expression="get-property('axis2', 'PRIORITY')" scope="axis2"/>
        <property name="X-Tenant-Seen" scope="transport" expression="$ctx:tenant"/>
        <send><endpoint key="OrderBackend"/></send>
      </sequence>`,
    'OrdersProject/src/main/synapse-config/endpoints/OrderBackend.xml': `<endpoint xmlns="http://ws.apache.org/ns/synapse" name="OrderBackend"><address uri="http://localhost:9090/orders"/></endpoint>`,
    'OrdersProject/test/resources/mock-services/OrderBackendMock.xml': `<mock-service>
        <service-name>OrderBackend</service-name><port>9090</port><context>/orders</context>
        <resources>
          <resource><sub-context>/</sub-context><method>POST</method>
            <request><headers><header name="X-Tenant-Seen" value="acme"/></headers></request>
            <response><status-code>201</status-code><headers><header name="X-Order" value="42"/></headers>
              <payload><![CDATA[${reply('<ord:Created xmlns:ord="urn:orders"><ord:id>42</ord:id></ord:Created>')}]]></payload></response>
          </resource>
        </resources>
      </mock-service>`,
    'OrdersProject/test/EnrichTest.xml': `<unit-test>
        <artifacts>
          <test-artifact><artifact>/OrdersProject/src/main/synapse-config/sequences/Enrich.xml</artifact></test-artifact>
          <supportive-artifacts><artifact>/OrdersProject/src/main/synapse-config/endpoints/OrderBackend.xml</artifact></supportive-artifacts>
          <registry-resources/><connector-resources/>
        </artifacts>
        <test-cases>
          <test-case name="TestEnrich">
            <input>
              <request-path>/orders</request-path><request-method>POST</request-method>
              <payload><![CDATA[<ord:Create xmlns:ord="urn:orders"><ord:item>book</ord:item></ord:Create>]]></payload>
              <properties>
                <property name="X-Tenant" scope="transport" value="acme"/>
                <property name="PRIORITY" scope="axis2" value="high"/>
                <property name="origin" value="unit-test"/>
              </properties>
            </input>
            <assertions>
              <assertEquals><actual>$body</actual><expected><![CDATA[<Created xmlns="urn:orders"><id>42</id></Created>]]></expected><message>body</message></assertEquals>
              <assertEquals><actual>$statusCode</actual><expected>201</expected><message>status</message></assertEquals>
              <assertEquals><actual>$ctx:tenant</actual><expected>acme</expected><message>ctx</message></assertEquals>
              <assertEquals><actual>$ctx:origin</actual><expected>unit-test</expected><message>input property</message></assertEquals>
              <assertEquals><actual>$axis2:priority</actual><expected>high</expected><message>axis2</message></assertEquals>
              <assertEquals><actual>$trp:X-Order</actual><expected>42</expected><message>response header</message></assertEquals>
              <assertNotNull><actual>$ctx:tenant</actual><message>not null</message></assertNotNull>
            </assertions>
          </test-case>
          <test-case name="TestWrongTenant">
            <input><payload><![CDATA[<ord:Create xmlns:ord="urn:orders"/>]]></payload>
              <properties><property name="X-Tenant" scope="transport" value="other"/></properties></input>
            <assertions><assertNotNull><actual>$body</actual><message>no resource matches</message></assertNotNull></assertions>
          </test-case>
        </test-cases>
        <mock-services><mock-service>/OrdersProject/test/resources/mock-services/OrderBackendMock.xml</mock-service></mock-services>
      </unit-test>`,
  });
  const r = await inProcess([path.join(dir, 'OrdersProject', 'test')]);
  t.regex(r.out, /^PASS .*EnrichTest\.xml > TestEnrich \(/m, r.out + r.err);
  t.regex(r.out, /^ERROR .*EnrichTest\.xml > TestWrongTenant \(/m);
  t.regex(r.out, /mock service OrderBackend \(.*OrderBackendMock\.xml:1\) has no resource that matches the message sent to http:\/\/localhost:9090\/orders/);
  t.is(r.code, 1);
});

test('300 generated cases run in process, no sockets', async (t) => {
  const cases = Array.from(
    { length: 300 },
    (_, i) => `<test-case name="client ${i}"><input><payload><![CDATA[<s:Envelope xmlns:s="${SOAP}" xmlns:syn="http://ws.apache.org/ns/synapse"><s:Header><syn:ClientID>c${i}</syn:ClientID></s:Header><s:Body><n>${i}</n></s:Body></s:Envelope>]]></payload></input>
      <assertions><assertEquals><actual>$ctx:who</actual><expected>c${i}</expected></assertEquals><assertSession key="c${i}" endpoint="b${1 + (i % 2)}" outcome="new"/><assertXPath expression="$body" equals="ok"/></assertions></test-case>`,
  ).join('\n');
  const dir = await configDir({
    'conf/p.xml': definitions(`
      <endpoint name="Nodes"><session type="simpleClientSession"/><loadbalance>
        <endpoint name="b1"><address uri="http://b.test/1"/></endpoint><endpoint name="b2"><address uri="http://b.test/2"/></endpoint>
      </loadbalance></endpoint>
      <proxy name="P"><target><inSequence>
        <property name="who" expression="$header/syn:ClientID" xmlns:syn="http://ws.apache.org/ns/synapse"/>
        <log level="custom"><property name="who" expression="$ctx:who"/></log>
        <send><endpoint key="Nodes"/></send>
      </inSequence><outSequence><send/></outSequence></target></proxy>`),
    'many.xml': `<unit-test><artifacts><test-artifact><artifact>conf/p.xml</artifact></test-artifact></artifacts><test-cases>${cases}</test-cases>
      <mock-services><mock endpoint="Nodes"><payload><![CDATA[${reply('<r>ok</r>')}]]></payload></mock></mock-services></unit-test>`,
  });
  const r = await inProcess([path.join(dir, 'many.xml')]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\n300 passed, 0 failed\n$/);
  // how fast they run is measured by the benchmark, not asserted here
});

test.serial('usage errors exit 2', async (t) => {
  const bad = await moor(['--reporter', 'tap', 'x.xml']);
  t.is(bad.code, 2);
  t.regex(bad.err, /--reporter tap: use text or junit/);
  await t.throwsAsync(inProcess([]), { code: 'MOOR_ERR_CLI_USAGE', message: 'test needs at least one suite file or folder' });
  const missing = await inProcess(['no/such/dir']);
  t.is(missing.code, 1);
  t.regex(missing.err, /no\/such\/dir:1:1 MOOR_ERR_TEST_SUITE no such file or folder/);
});

test('--registry names the registry folder a suite artifact\'s conf:/ key is read from, as moor start does', async (t) => {
  const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
  const dir = await configDir({
    'conf/p.xml': definitions(`
      <endpoint name="Backend"><address uri="http://orders.test/svc"/></endpoint>
      <proxy name="P"><target inSequence="conf:/stamp.xml"><outSequence><send/></outSequence></target></proxy>`),
    'elsewhere/conf/stamp.xml': `<sequence ${SYN}><property name="X-Stamp" scope="transport" value="from the registry"/><send><endpoint key="Backend"/></send></sequence>`,
  });
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  const suite = path.join(dir, 'tests', 'stamp.xml');
  await writeFile(
    suite,
    [
      '<unit-test>',
      '  <artifacts><test-artifact><artifact>../conf/p.xml</artifact></test-artifact></artifacts>',
      '  <test-cases><test-case name="stamps">',
      '    <input><payload><![CDATA[<o:Order xmlns:o="urn:o"/>]]></payload></input>',
      '    <assertions><assertReceived endpoint="Backend" count="1" expression="$trp:X-Stamp" equals="from the registry"/></assertions>',
      '  </test-case></test-cases>',
      `  <mock-services><mock endpoint="Backend"><payload><![CDATA[${reply('<x:Ok xmlns:x="urn:o"/>')}]]></payload></mock></mock-services>`,
      '</unit-test>',
    ].join('\n'),
  );
  const without = await inProcess([suite]);
  t.is(without.code, 1);
  t.regex(without.err, /conf:\/stamp\.xml/);
  const withRegistry = await inProcess(['--registry', path.join(dir, 'elsewhere'), suite]);
  t.is(withRegistry.code, 0, withRegistry.err + withRegistry.out);
  t.regex(withRegistry.out, /1 passed, 0 failed/);
});

test('a suite\'s own <registry-resources> are deployed into its registry, as WSO2\'s unit-test server does: gov:/ and conf:/ keys, over --registry; another registry path is refused at its place', async (t) => {
  const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
  const dir = await configDir({
    'src/main/wso2mi/artifacts/proxy-services/P.xml': definitions(`
      <endpoint name="Backend"><address uri="http://orders.test/svc"/></endpoint>
      <proxy name="P"><target inSequence="gov:/mi-resources/stamp.xml"><outSequence><sequence key="conf:/out/tag.xml"/><send/></outSequence></target></proxy>`),
    'src/main/wso2mi/resources/stamp.xml': `<sequence ${SYN}><property name="X-Stamp" scope="transport" value="from the suite's registry"/><send><endpoint key="Backend"/></send></sequence>`,
    'shared-registry/conf/out/tag.xml': `<sequence ${SYN}><property name="X-Tag" scope="transport" value="from --registry"/></sequence>`,
  });
  await mkdir(path.join(dir, 'src', 'test', 'wso2mi'), { recursive: true });
  const suite = path.join(dir, 'src', 'test', 'wso2mi', 'P.xml');
  const write = (registryPath: string) =>
    writeFile(
      suite,
      [
        '<unit-test>',
        '  <artifacts>',
        '    <test-artifact><artifact>src/main/wso2mi/artifacts/proxy-services/P.xml</artifact></test-artifact>',
        '    <registry-resources>',
        '      <registry-resource>',
        '        <file-name>stamp.xml</file-name>',
        '        <artifact>src/main/wso2mi/resources/stamp.xml</artifact>',
        `        <registry-path>${registryPath}</registry-path>`,
        '        <media-type>application/vnd.wso2.sequence</media-type>',
        '      </registry-resource>',
        '    </registry-resources>',
        '    <connector-resources/>',
        '  </artifacts>',
        '  <test-cases><test-case name="stamps">',
        '    <input><payload><![CDATA[<o:Order xmlns:o="urn:o"/>]]></payload></input>',
        '    <assertions>',
        `      <assertReceived endpoint="Backend" count="1" expression="$trp:X-Stamp" equals="from the suite's registry"/>`,
        '      <assertEquals><actual>$trp:X-Tag</actual><expected>from --registry</expected></assertEquals>',
        '    </assertions>',
        '  </test-case></test-cases>',
        `  <mock-services><mock endpoint="Backend"><payload><![CDATA[${reply('<x:Ok xmlns:x="urn:o"/>')}]]></payload></mock></mock-services>`,
        '</unit-test>',
      ].join('\n'),
    );
  await write('/_system/governance/mi-resources');
  const ran = await inProcess(['--registry', path.join(dir, 'shared-registry'), suite]);
  t.is(ran.code, 0, ran.err + ran.out);
  t.regex(ran.out, /PASS .*P\.xml > stamps/);
  t.regex(ran.out, /1 passed, 0 failed/);

  const alone = await inProcess([suite]);
  t.is(alone.code, 1, 'without --registry the conf:/ key has nowhere to come from');
  t.regex(alone.err, /conf:\/out\/tag\.xml/);
  t.notRegex(alone.err, /gov:\/mi-resources\/stamp\.xml/, "the suite's own resource was found");

  await write('/_system/local/mi-resources');
  const refused = await inProcess(['--registry', path.join(dir, 'shared-registry'), suite]);
  t.is(refused.code, 1);
  t.regex(refused.err, /P\.xml:8:9 MOOR_ERR_TEST_SUITE registry path "\/_system\/local\/mi-resources": moor's keys name \/_system\/config\/… \(conf:\/\) or \/_system\/governance\/… \(gov:\/\)/);
});
