/**
 * WSO2's special properties through a real gateway and real SOAP backends: OUT_ONLY and
 * FORCE_SC_ACCEPTED (one-way, 202), HTTP_SC, NO_ENTITY_BODY; those moor does not read are `moor
 * validate` warnings at their file:line:col; log lines fill To, WSAction and MessageID as Synapse does
 * without WS-Addressing, and print FATAL as FATAL.
 */
import test from 'ava';
import { capturingLogger } from '../helpers/log.ts';
import { configTree, lines, runMoor } from '../cli/run-moor.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { deadUrl, proxy, startSoapBackend } from '../mediators/soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);

/** A proxy P in front of a fresh backend; `{uri}` in the in sequence is the backend's address. */
async function through(parts: { in?: string; out?: string }) {
  const backend = await startSoapBackend();
  const inSeq = parts.in?.replaceAll('{uri}', backend.url);
  // (a one-way <send> answers the client at once: the target's endpoint is not sent the request again)
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { ...parts, ...(inSeq !== undefined ? { in: inSeq } : {}), uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    // (a one-way send goes on after the 202: the gateway's close waits for it)
    await gw.close();
    return { res, received: backend.received.length };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('OUT_ONLY and FORCE_SC_ACCEPTED: the backend gets the request, the client 202 with no body; no out sequence runs', async (t) => {
  const out = `<property name="HTTP_SC" scope="axis2" value="299"/><send/>`;
  const oneWay = await through({ in: `<property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/><property name="OUT_ONLY" value="true"/>`, out });
  t.is(oneWay.received, 1);
  t.is(oneWay.res.status, 202);
  t.is(oneWay.res.text, '');
  const outOnly = await through({ in: `<property name="OUT_ONLY" value="true" type="BOOLEAN"/>`, out });
  t.is(outOnly.received, 1);
  t.is(outOnly.res.status, 202);
  const viaSend = await through({ in: `<property name="OUT_ONLY" value="true"/><send><endpoint><address uri="{uri}"/></endpoint></send>`, out });
  t.is(viaSend.received, 1);
  t.is(viaSend.res.status, 202, 'a <send> of its own is one-way too');
  const twoWay = await through({ out });
  t.is(twoWay.res.status, 299, 'HTTP_SC in the out sequence is the status the client gets');
});

test('OUT_ONLY: the client has its 202 before a slow backend answers, and the backend still gets the message', async (t) => {
  let release!: () => void;
  const answered = new Promise<void>((r) => (release = r));
  const backend = await startSoapBackend(async (r) => {
    await answered;
    return { body: r.body };
  });
  const { log, lines: logged } = capturingLogger();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<property name="OUT_ONLY" value="true"/><log level="custom"><property name="after" value="send"/></log>`, uri: backend.url })) }, { logger: log });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(res.status, 202, 'answered while the backend still holds its answer');
    t.is(res.text, '');
    await until(() => backend.received.length === 1);
    t.regex(backend.received[0]!.body, /<s:Ping xmlns:s="urn:s"\/>/);
    release();
    await gw.close();
    t.falsy(logged.find((l) => /one-way send failed/.test(l)), logged.join(''));
  } finally {
    release();
    await gw.close();
    await backend.close();
  }
});

test('OUT_ONLY with the backend down: still 202, the failure logged and the fault sequence run; a failover group sends the message on to the member that is up', async (t) => {
  const dead = await deadUrl();
  const up = await startSoapBackend();
  const { log, lines: logged } = capturingLogger();
  const conf = definitions(
    `<proxy name="Down"><target><inSequence><property name="OUT_ONLY" value="true"/></inSequence>` +
      `<endpoint><address uri="${dead}"/></endpoint>` +
      `<faultSequence><log level="custom" category="ERROR"><property name="fault" expression="get-property('ERROR_CODE')"/></log></faultSequence></target></proxy>` +
      `<proxy name="Failover"><target><inSequence><property name="OUT_ONLY" value="true"/>` +
      `<send><endpoint><failover><endpoint><address uri="${dead}"/></endpoint><endpoint><address uri="${up.url}"/></endpoint></failover></endpoint></send>` +
      `</inSequence></target></proxy>`,
  );
  const gw = await startGateway({ 'p.xml': conf }, { logger: log });
  try {
    const down = await post(`${gw.url}/services/Down`, ping);
    t.is(down.status, 202, 'WSO2 answers 202 although the backend is down');
    await until(() => logged.some((l) => /\[log\] fault = 101503/.test(l)));
    t.truthy(logged.find((l) => /ERROR \[send\] one-way send failed after the client's 202: MOOR_ERR_/.test(l)), logged.join(''));
    const over = await post(`${gw.url}/services/Failover`, ping);
    t.is(over.status, 202);
    await gw.close();
    t.is(up.received.length, 1, 'the failover group sent the buffered message on to the member that is up');
    t.regex(up.received[0]!.body, /<s:Ping xmlns:s="urn:s"\/>/);
  } finally {
    await gw.close();
    await up.close();
  }
});

/** Waits (up to 5 s) for `cond`. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
}

test('NO_ENTITY_BODY in the out sequence: the answer has no body; set on the request, the answer keeps its own', async (t) => {
  const stripped = await through({ out: `<property name="NO_ENTITY_BODY" value="true" scope="axis2" type="BOOLEAN"/><send/>` });
  t.is(stripped.res.status, 200);
  t.is(stripped.res.text, '');
  t.is(stripped.res.headers['content-type'], undefined);
  const onRequest = await through({ in: `<property name="NO_ENTITY_BODY" value="true" scope="axis2"/>`, out: `<send/>` });
  t.regex(onRequest.res.text, /<s:Ping xmlns:s="urn:s"\/>/);
});

test('special properties moor does not read, and transports="https", are warnings at their file:line:col', async (t) => {
  const { root } = await configTree({
    'p.xml': [
      `<definitions xmlns="http://ws.apache.org/ns/synapse">`,
      `  <proxy name="P" transports="https"><target><inSequence>`,
      `    <property name="FORCE_HTTP_1.0" value="true" scope="axis2"/>`,
      `    <property name="DISABLE_CHUNKING" value="true" scope="axis2"/>`,
      `    <property name="PRESERVE_WS_ADDRESSING" value="true"/>`,
      `    <property name="OUT_ONLY" value="true"/>`,
      `    <drop/>`,
      `  </inSequence></target></proxy>`,
      `</definitions>`,
    ].join('\n'),
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(
    lines(r.stdout).map((l) => l.split(' ').slice(0, 3).join(' ')),
    [
      'conf/p.xml:2:3 MOOR_WARN_DIFFERENT transports="https":',
      'conf/p.xml:3:5 MOOR_WARN_DIFFERENT FORCE_HTTP_1.0',
      'conf/p.xml:4:5 MOOR_WARN_DIFFERENT DISABLE_CHUNKING',
      'conf/p.xml:5:5 MOOR_WARN_DIFFERENT PRESERVE_WS_ADDRESSING',
      'conf: valid (1',
    ],
    r.stdout,
  );
  t.regex(r.stdout, /FORCE_HTTP_1\.0 is a WSO2 special property that moor does not implement: not read: moor always speaks HTTP\/1\.1 to backends/);
});

test('log lines fill To, WSAction and MessageID without WS-Addressing, and FATAL is printed as FATAL', async (t) => {
  const backend = await startSoapBackend();
  const { log, lines: logged } = capturingLogger();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<log/><log level="custom" category="FATAL"><property name="k" value="v"/></log>`, uri: backend.url })) }, { logger: log });
  try {
    await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', soapaction: '"urn:ping"' });
    const simple = logged.find((l) => l.includes('[log] To:'));
    t.regex(simple ?? '', /To: \/services\/P, WSAction: urn:ping, SOAPAction: urn:ping, MessageID: urn:uuid:[0-9a-f-]{36}, Direction: request/);
    t.truthy(logged.find((l) => / FATAL \[log\] k = v/.test(l)), logged.join(''));
  } finally {
    await gw.close();
    await backend.close();
  }
});
