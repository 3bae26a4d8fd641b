/**
 * The registry as a folder: `conf:/…` and `gov:/…` keys of sequences, endpoints and WSDLs resolved
 * under the registry root (an MI project's `src/main/wso2mi/resources/registry` by default,
 * `<moor:registry root>`, `--registry`), run by a real gateway against a real SOAP backend; `<registry>`
 * accepted; a key that names no file is one error at its place, naming the key and the paths looked at.
 */
import path from 'node:path';
import test from 'ava';
import { request } from 'undici';
import { ConfigErrors } from '../../src/errors.ts';
import { configTree, lines, runMoor } from '../cli/run-moor.ts';
import { configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);
const WSDL = `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" targetNamespace="urn:p">
  <service name="P"><port name="P11" binding="tns:B"><soap:address location="http://10.0.0.9:9001/backend/P"/></port></service>
</definitions>`;

/** An MI project whose proxy names its in sequence, endpoint and WSDL by registry key. */
async function miProject(backendUrl: string): Promise<string> {
  const root = await configDir({
    'src/main/wso2mi/artifacts/proxy-services/P.xml': [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<proxy ${SYN} name="P" transports="http https" startOnLoad="true">`,
      `  <target inSequence="conf:/sequences/stamp.xml" endpoint="gov:endpoints/backend.xml">`,
      `    <outSequence><send/></outSequence>`,
      `  </target>`,
      `  <publishWSDL key="gov:/wsdl/p.wsdl"/>`,
      `</proxy>`,
    ].join('\n'),
    // (WSO2's display name differs from the key: the key is how it is found)
    'src/main/wso2mi/resources/registry/conf/sequences/stamp.xml': `<sequence ${SYN} name="stamp"><property name="X-Stamp" scope="transport" value="from-registry"/><sequence key="gov:/sequences/more.xml"/></sequence>`,
    'src/main/wso2mi/resources/registry/gov/sequences/more.xml': `<sequence ${SYN} name="more"><property name="X-More" scope="transport" value="yes"/></sequence>`,
    'src/main/wso2mi/resources/registry/gov/endpoints/backend.xml': `<endpoint ${SYN} name="Backend"><address uri="${backendUrl}"/></endpoint>`,
    'src/main/wso2mi/resources/registry/gov/wsdl/p.wsdl': WSDL,
  });
  return path.join(root, 'src/main/wso2mi/artifacts');
}

test('an MI project: conf:/ and gov:/ keys of sequences, endpoints and a WSDL resolve under resources/registry', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway(await miProject(backend.url));
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(res.status, 200);
    t.is(backend.received.length, 1);
    t.is(backend.received[0]!.headers['x-stamp'], 'from-registry');
    t.is(backend.received[0]!.headers['x-more'], 'yes');
    const wsdl = await request(`${gw.url}/services/P?wsdl`);
    const text = await wsdl.body.text();
    t.is(wsdl.statusCode, 200);
    t.regex(text, new RegExp(`location="${gw.url}/services/P"`));
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('<registry> in <definitions> is accepted; <moor:registry root> and --registry choose the folder', async (t) => {
  const backend = await startSoapBackend();
  const top = await configDir({
    'conf/synapse.xml': [
      `<definitions ${SYN} xmlns:moor="urn:moor:config">`,
      `  <registry provider="org.wso2.micro.integrator.registry.MicroIntegratorRegistry">`,
      `    <parameter name="cachableDuration">15000</parameter>`,
      `  </registry>`,
      `  <moor:registry root="../shared-registry"/>`,
      `  <proxy name="P"><target inSequence="conf:/stamp.xml"><endpoint><address uri="${backend.url}"/></endpoint></target></proxy>`,
      `</definitions>`,
    ].join('\n'),
    'shared-registry/config/stamp.xml': `<sequence ${SYN}><property name="X-Stamp" scope="transport" value="setting"/></sequence>`,
    'other-registry/conf/stamp.xml': `<sequence ${SYN}><property name="X-Stamp" scope="transport" value="flag"/></sequence>`,
  });
  const dir = path.join(top, 'conf');
  const bySetting = await startGateway(dir);
  const byFlag = await startGateway(dir, { registry: path.join(top, 'other-registry') });
  try {
    await post(`${bySetting.url}/services/P`, ping);
    await post(`${byFlag.url}/services/P`, ping);
    t.deepEqual(backend.received.map((r) => r.headers['x-stamp']), ['setting', 'flag']);
  } finally {
    await bySetting.close();
    await byFlag.close();
    await backend.close();
  }
});

test('a key that names no file is one error at its place, naming the key and the paths looked at; nothing cascades', async (t) => {
  const dir = await configDir({
    'p.xml': [
      `<definitions ${SYN}>`,
      `  <proxy name="P"><target endpoint="gov:/endpoints/none.xml">`,
      `    <inSequence><sequence key="conf:/missing.xml"/></inSequence>`,
      `  </target></proxy>`,
      `  <sequence name="S"><sequence key="conf:/../../../etc/passwd"/></sequence>`,
      `</definitions>`,
    ].join('\n'),
    'registry/conf/other.xml': `<sequence ${SYN}/>`,
  });
  const err = await t.throwsAsync(startGateway(dir));
  const got = (err as ConfigErrors).errors.map((e) => `${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`);
  t.is(got.length, 3, got.join('\n'));
  t.regex(got[0]!, /^2:19 MOOR_ERR_UNRESOLVED_KEY registry key "gov:\/endpoints\/none\.xml": no file at .*registry[/\\]gov[/\\]endpoints[/\\]none\.xml nor .*registry[/\\]governance[/\\]endpoints[/\\]none\.xml \(registry folder from the configuration's registry folder\)/);
  t.regex(got[1]!, /^3:17 MOOR_ERR_UNRESOLVED_KEY registry key "conf:\/missing\.xml": no file at .*registry[/\\]conf[/\\]missing\.xml/);
  t.regex(got[2]!, /^5:22 MOOR_ERR_UNRESOLVED_KEY registry key "conf:\/\.\.\/\.\.\/\.\.\/etc\/passwd": the key leaves its registry folder/);
  t.false(got.some((l) => /no (sequence|endpoint) named/.test(l)));
});

test('without a registry folder, a registry key says where one was looked for and how to give one', async (t) => {
  const err = await t.throwsAsync(startGateway({ 'p.xml': definitions(`\n<sequence name="S"><sequence key="conf:/a.xml"/></sequence>`) }));
  const [only, ...rest] = (err as ConfigErrors).errors;
  t.is(rest.length, 0);
  t.regex(only!.toString(), /p\.xml:2:20 MOOR_ERR_UNRESOLVED_KEY registry key "conf:\/a\.xml": there is no registry folder \(give one with --registry DIR or <moor:registry root="DIR"\/>; looked for .*registry\)/);
});

test('moor validate --registry: warnings for what differs from WSO2, the files of a registry folder are not configuration', async (t) => {
  const { root } = await configTree({
    'synapse.xml': [
      `<definitions ${SYN}>`,
      `  <registry provider="org.apache.synapse.registry.url.SimpleURLRegistry">`,
      `    <parameter name="root">file:repository/samples/resources/</parameter>`,
      `  </registry>`,
      `  <sequence name="main"><sequence key="gov:/s.xml"/><drop/></sequence>`,
      `</definitions>`,
    ].join('\n'),
    // a registry resource inside the configuration folder: read only as a resource (it has no name=)
    'registry/gov/s.xml': `<sequence ${SYN}><log/></sequence>`,
  });
  const inside = await runMoor(['validate', '--config', 'conf'], root);
  t.is(inside.code, 0, inside.stdout + inside.stderr);
  t.deepEqual(lines(inside.stdout).slice(0, 1), [
    'conf/synapse.xml:2:3 MOOR_WARN_DIFFERENT the registry provider "org.apache.synapse.registry.url.SimpleURLRegistry" is not loaded: moor reads registry keys (conf:/…, gov:/…) from its registry folder, not from "file:repository/samples/resources/"',
  ]);
  t.regex(inside.stdout, /conf: valid \(0 proxies, 2 sequences, 0 endpoints in 1 file\)/);
  const elsewhere = await runMoor(['validate', '--config', 'conf', '--registry', 'nowhere'], root);
  t.is(elsewhere.code, 1);
  t.regex(elsewhere.stdout, /conf\/synapse\.xml:5:25 MOOR_ERR_UNRESOLVED_KEY registry key "gov:\/s\.xml": no file at nowhere\/gov\/s\.xml nor nowhere\/governance\/s\.xml \(registry folder from --registry\)/);
});

test('a dynamic key may name any registry sequence, also one no static key names', async (t) => {
  const backend = await startSoapBackend();
  const dir = await configDir({
    'p.xml': definitions(
      `<proxy name="P"><target><inSequence><sequence key="{concat('conf:/sequences/', $trp:X-Kind, '.xml')}"/></inSequence><endpoint><address uri="${backend.url}"/></endpoint></target></proxy>`,
    ),
    'registry/conf/sequences/gold.xml': `<sequence ${SYN}><property name="X-Route" scope="transport" value="gold"/></sequence>`,
    'registry/conf/sequences/plain.xml': `<sequence ${SYN}><property name="X-Route" scope="transport" value="plain"/></sequence>`,
  });
  const gw = await startGateway(dir);
  try {
    await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', 'x-kind': 'gold' });
    await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', 'x-kind': 'plain' });
    t.deepEqual(backend.received.map((r) => r.headers['x-route']), ['gold', 'plain']);
  } finally {
    await gw.close();
    await backend.close();
  }
});
