/** Suites read and run in-process: moor's extensions to WSO2's format, and what each assertion compares. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { parseSuite } from '../../src/testing/suite/parse.ts';
import { runSuite, type SuiteResult } from '../../src/testing/suite/run.ts';
import { configDir, definitions } from '../helpers/gateway.ts';

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const env = (body: string): string => `<s:Envelope xmlns:s="${SOAP}"><s:Body>${body}</s:Body></s:Envelope>`;

const CONFIG = definitions(`
  <endpoint name="Pair"><failover>
    <endpoint name="primary"><address uri="http://b.test/primary"><timeout><duration>1000</duration></timeout></address></endpoint>
    <endpoint name="backup"><address uri="http://b.test/backup"/></endpoint>
  </failover></endpoint>
  <sequence name="Route">
    <property name="kind" expression="local-name($body/*)"/>
    <send><endpoint key="Pair"/></send>
  </sequence>
  <sequence name="Transform"><makefault><code value="s:Client" xmlns:s="${SOAP}"/><reason value="no"/></makefault><property name="X-Stamp" scope="transport" value="on"/></sequence>`);

/** Writes `suite` beside the config and runs it. */
async function run(suite: string, extra: Record<string, string> = {}): Promise<SuiteResult> {
  const dir = await configDir({ 'conf.xml': CONFIG, ...extra });
  const file = path.join(dir, 'suite.xml');
  await writeFile(file, suite);
  const parsed = await parseSuite(file);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.toString()).join('\n'));
  return runSuite(parsed.suite);
}

const outcomes = (r: SuiteResult): Record<string, string> => Object.fromEntries(r.cases.map((c) => [c.name, c.outcome === 'passed' ? 'passed' : `${c.outcome}: ${c.error ?? c.failures.map((f) => `${f.label} expected ${f.expected} actual ${f.actual}`).join('; ')}`]));

test('failover, successive replies, case mocks, mocked failures and the virtual clock, in order', async (t) => {
  const r = await run(`<unit-test>
    <artifacts><test-artifact sequence="Route"><artifact>conf.xml</artifact></test-artifact></artifacts>
    <test-cases>
      <test-case name="first reply"><input><payload><![CDATA[<a/>]]></payload></input><assertions>
        <assertXPath expression="$body" equals="one"/><assertReceived endpoint="primary" count="1"/><assertTrace branch="sequence:Route"/>
        <assertEquals><actual>$ctx:kind</actual><expected>a</expected></assertEquals>
      </assertions></test-case>
      <test-case name="second reply repeats"><input><payload><![CDATA[<a/>]]></payload></input><assertions>
        <assertXPath expression="$body" equals="two"/>
      </assertions></test-case>
      <test-case name="primary down: backup answers">
        <input><payload><![CDATA[<b/>]]></payload></input>
        <mock endpoint="primary" fail="unreachable"/>
        <assertions>
          <assertReceived endpoint="primary" count="1"/><assertReceived endpoint="backup" count="1"/>
          <assertXPath expression="$body" equals="backup"/><assertSession exists="false"/>
        </assertions>
      </test-case>
      <test-case name="primary is suspended: only backup is asked"><input><payload><![CDATA[<c/>]]></payload></input><assertions>
        <assertReceived endpoint="primary" count="0"/><assertReceived endpoint="backup"/>
      </assertions></test-case>
      <test-case name="a slow backup times out on the virtual clock">
        <input><payload><![CDATA[<d/>]]></payload></input>
        <mock endpoint="backup" delay="60000"/>
        <assertions>
          <assertEquals><actual>$statusCode</actual><expected>500</expected></assertEquals>
          <assertEquals><actual>$trp:x-moor-error</actual><expected>MOOR_ERR_ENDPOINT_TIMEOUT</expected></assertEquals>
          <assertTrace branch="faultSequence:fault" taken="false"/>
        </assertions>
      </test-case>
    </test-cases>
    <mock-services>
      <mock endpoint="primary"><payload><![CDATA[${env('<r>one</r>')}]]></payload></mock>
      <mock endpoint="primary"><payload><![CDATA[${env('<r>two</r>')}]]></payload></mock>
      <mock endpoint="backup"><payload><![CDATA[${env('<r>backup</r>')}]]></payload></mock>
    </mock-services>
  </unit-test>`);
  t.deepEqual(outcomes(r), {
    'first reply': 'passed',
    'second reply repeats': 'passed',
    'primary down: backup answers': 'passed',
    'primary is suspended: only backup is asked': 'passed',
    'a slow backup times out on the virtual clock': 'passed',
  });
});

test('$body compares XML by name (QName values too); an expected Envelope is compared whole; expected values can be files', async (t) => {
  // Transform rewrites the message into a fault and answers nobody: assertions read the message as left
  const r = await run(
    `<unit-test>
    <artifacts><test-artifact sequence="Transform"><artifact>conf.xml</artifact></test-artifact></artifacts>
    <test-cases>
      <test-case name="fault body"><input><payload><![CDATA[<a/>]]></payload></input><assertions>
        <assertEquals><actual>$body</actual><expected file="fault-body.xml"/></assertEquals>
        <assertEquals><actual>$body</actual><expected><![CDATA[<e:Envelope xmlns:e="${SOAP}"><e:Body><e:Fault><faultcode>e:Client</faultcode><faultstring>no</faultstring></e:Fault></e:Body></e:Envelope>]]></expected></assertEquals>
        <assertEquals><actual>$trp:X-Stamp</actual><expected>on</expected></assertEquals>
      </assertions></test-case>
      <test-case name="a wrong expectation"><input><payload><![CDATA[<a/>]]></payload></input><assertions>
        <assertEquals><actual>$body</actual><expected><![CDATA[<s:Fault xmlns:s="${SOAP}"><faultcode>s:Client</faultcode><faultstring>yes</faultstring></s:Fault>]]></expected><message>reason</message></assertEquals>
        <assertNotNull><actual>$ctx:missing</actual><message>nothing set it</message></assertNotNull>
      </assertions></test-case>
    </test-cases>
    <mock-services/>
  </unit-test>`,
    { 'fault-body.xml': `<x:Fault xmlns:x="${SOAP}">\n  <faultcode>x:Client</faultcode>\n  <faultstring>no</faultstring>\n</x:Fault>` },
  );
  t.is(r.cases[0]!.outcome, 'passed', outcomes(r)['fault body']);
  const failed = r.cases[1]!;
  t.is(failed.outcome, 'failed');
  t.deepEqual(
    failed.failures.map((f) => [f.loc.line, f.label, f.message, f.detail]),
    [
      [10, 'assertEquals $body', 'reason', 'at /Fault/faultstring: text "no" where text "yes" was expected'],
      [11, 'assertNotNull $ctx:missing', 'nothing set it', undefined],
    ],
  );
  t.is(failed.failures[1]!.actual, '(null)');
});

test('a test artifact that defines several proxies or sequences must say which one is under test', async (t) => {
  const r = await run(`<unit-test>
    <artifacts><test-artifact><artifact>conf.xml</artifact></test-artifact></artifacts>
    <test-cases><test-case name="x"><assertions><assertNotNull><actual>$body</actual></assertNotNull></assertions></test-case></test-cases>
  </unit-test>`);
  t.is(r.cases.length, 0);
  t.regex(r.errors[0]!.toString(), /suite\.xml:2:31 MOOR_ERR_TEST_SUITE the test artifact defines 0 proxies, 2 sequences and 0 APIs; name the one under test with proxy="…", sequence="…" or api="…" on <test-artifact>/);
});

test('a case may name its own target; a sequence that is not there is an error of that case', async (t) => {
  const r = await run(`<unit-test>
    <artifacts><test-artifact sequence="Route"><artifact>conf.xml</artifact></test-artifact></artifacts>
    <test-cases>
      <test-case name="other" sequence="Transform"><assertions><assertEquals><actual>$statusCode</actual><expected>500</expected><message>the fault the sequence made is the answer</message></assertEquals></assertions></test-case>
      <test-case name="missing" sequence="Trnsform"><assertions><assertNotNull><actual>$body</actual></assertNotNull></assertions></test-case>
    </test-cases>
  </unit-test>`);
  t.deepEqual(outcomes(r), { other: 'passed', missing: 'error: no sequence named "Trnsform" (did you mean "Transform"?)' });
});

test("assertions read the final message under the configuration's own <moor:limits>, not the defaults", async (t) => {
  // about 9 MB: over the default maxParseBytes (8 MiB), within the configuration's 32 MiB
  const deep = `<list>${'<n>0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123</n>'.repeat(100_000)}</list>`;
  const dir = await configDir({
    'conf.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:limits maxParseBytes="33554432" parseBudgetBytes="268435456"/>
      <sequence name="Echo"><property name="kept" value="yes"/></sequence></definitions>`,
  });
  const file = path.join(dir, 'suite.xml');
  await writeFile(
    file,
    `<unit-test><artifacts><test-artifact sequence="Echo"><artifact>conf.xml</artifact></test-artifact></artifacts>
    <test-cases><test-case name="deep"><input><payload><![CDATA[${deep}]]></payload></input><assertions>
      <assertXPath expression="count(//*[local-name()='n'])" equals="100000"/>
      <assertEquals><actual>$ctx:kept</actual><expected>yes</expected></assertEquals>
    </assertions></test-case></test-cases></unit-test>`,
  );
  const parsed = await parseSuite(file);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.toString()).join('\n'));
  t.deepEqual(outcomes(await runSuite(parsed.suite)), { deep: 'passed' });
});
