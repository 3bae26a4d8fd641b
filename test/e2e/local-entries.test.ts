/**
 * `<localEntry>` (inline XML, text, src= file) and every key that names one — `<sequence key>`,
 * `<endpoint key>`, `<publishWSDL key>`, `<payloadFactory><format key>`, `<enrich><source key>`,
 * get-property('k') — and dynamic keys (`{…}`, key-expression) evaluated per message, run by a real
 * gateway against a real SOAP backend; the configuration errors at file:line:col.
 */
import test from 'ava';
import { request } from 'undici';
import { ConfigErrors } from '../../src/errors.ts';
import { configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);

test('a local entry holding a sequence, one whose src file is an endpoint, and a text entry read by get-property', async (t) => {
  const backend = await startSoapBackend();
  const top = await configDir({
    'conf/synapse.xml': definitions(`
      <localEntry key="stamp-seq"><sequence name="display-name-only"><property name="X-Stamp" scope="transport" expression="get-property('version')"/></sequence></localEntry>
      <localEntry key="backend-ep" src="file:../entries/backend.xml"/>
      <localEntry key="inside" src="file:inside.xml"/>
      <localEntry key="version">0.1</localEntry>
      <proxy name="P"><target><inSequence><sequence key="stamp-seq"/><send><endpoint key="backend-ep"/></send></inSequence></target></proxy>`),
    'entries/backend.xml': `<endpoint xmlns="http://ws.apache.org/ns/synapse"><address uri="${backend.url}"/></endpoint>`,
    // a src file inside the configuration folder is the entry's, not an artifact of its own (it has no name=)
    'conf/inside.xml': `<sequence xmlns="http://ws.apache.org/ns/synapse"><log/></sequence>`,
  });
  const gw = await startGateway(`${top}/conf`);
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(res.status, 200);
    t.is(backend.received[0]!.headers['x-stamp'], '0.1');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a property of the name wins over the local entry in get-property, as in Synapse', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`
      <localEntry key="tier">from-entry</localEntry>
      <proxy name="P"><target><inSequence>
        <property name="X-Before" scope="transport" expression="get-property('tier')"/>
        <property name="tier" value="from-property"/>
        <property name="X-After" scope="transport" expression="get-property('default', 'tier')"/>
        <send><endpoint><address uri="${backend.url}"/></endpoint></send>
      </inSequence></target></proxy>`),
  });
  try {
    await post(`${gw.url}/services/P`, ping);
    t.is(backend.received[0]!.headers['x-before'], 'from-entry');
    t.is(backend.received[0]!.headers['x-after'], 'from-property');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('dynamic keys are evaluated per message: <sequence key="{…}">, <endpoint key-expression>, <endpoint key="{…}">', async (t) => {
  const a = await startSoapBackend();
  const b = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`
      <endpoint name="A"><address uri="${a.url}"/></endpoint>
      <endpoint name="B"><address uri="${b.url}"/></endpoint>
      <sequence name="mark-gold"><property name="X-Mark" scope="transport" value="gold"/></sequence>
      <sequence name="mark-plain"><property name="X-Mark" scope="transport" value="plain"/></sequence>
      <proxy name="P"><target><inSequence>
        <property name="tier" expression="$trp:X-Tier"/>
        <sequence key="{concat('mark-', get-property('tier'))}"/>
        <filter source="get-property('tier')" regex="gold">
          <then><send><endpoint key-expression="'A'"/></send></then>
          <else><send><endpoint key="{$trp:X-Endpoint}"/></send></else>
        </filter>
      </inSequence></target></proxy>`),
  });
  try {
    await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', 'x-tier': 'gold' });
    await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', 'x-tier': 'plain', 'x-endpoint': 'B' });
    t.deepEqual(a.received.map((r) => r.headers['x-mark']), ['gold']);
    t.deepEqual(b.received.map((r) => r.headers['x-mark']), ['plain']);
    // a value that names nothing fails that message, naming the value
    const bad = await post(`${gw.url}/services/P`, ping, { 'content-type': 'text/xml', 'x-tier': 'none' });
    t.is(bad.status, 500);
    t.regex(bad.text, /the key \{concat\('mark-', get-property\('tier'\)\)\} gave &quot;mark-none&quot;, which names no sequence|gave "mark-none", which names no sequence/);
    t.is(a.received.length + b.received.length, 2);
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

test('<publishWSDL key>, <payloadFactory><format key> and <enrich><source type="inline" key> read local entries', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`
      <localEntry key="wsdl"><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" targetNamespace="urn:p">
        <wsdl:service name="P"><wsdl:port name="P11" binding="tns:B"><soap:address location="http://10.0.0.9:9001/backend/P"/></wsdl:port></wsdl:service>
      </wsdl:definitions></localEntry>
      <localEntry key="order-format"><o:Order xmlns:o="urn:o"><o:id>$1</o:id></o:Order></localEntry>
      <localEntry key="audit"><a:Audit xmlns:a="urn:a">checked</a:Audit></localEntry>
      <proxy name="P"><target><inSequence>
        <payloadFactory><format key="order-format"/><args><arg value="42"/></args></payloadFactory>
        <enrich><source type="inline" key="audit"/><target type="body" action="child"/></enrich>
        <send><endpoint><address uri="${backend.url}"/></endpoint></send>
      </inSequence></target><publishWSDL key="wsdl"/></proxy>`),
  });
  try {
    await post(`${gw.url}/services/P`, ping);
    t.regex(backend.received[0]!.body, /<o:Order xmlns:o="urn:o"><o:id>42<\/o:id><\/o:Order><a:Audit xmlns:a="urn:a">checked<\/a:Audit><\/soapenv:Body>/);
    const wsdl = await request(`${gw.url}/services/P?wsdl`);
    t.is(wsdl.statusCode, 200);
    t.regex(await wsdl.body.text(), new RegExp(`location="${gw.url}/services/P"`));
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('local entry errors are at their file:line:col: a URL src, a missing src file, two of one key, a key naming nothing', async (t) => {
  const dir = await configDir({
    'p.xml': [
      `<definitions xmlns="http://ws.apache.org/ns/synapse">`,
      `  <localEntry key="remote" src="http://example.org/x.xml"/>`,
      `  <localEntry key="gone" src="file:nowhere.xml"/>`,
      `  <localEntry key="twice">1</localEntry>`,
      `  <localEntry key="twice">2</localEntry>`,
      `  <sequence name="S"><payloadFactory><format key="formt"/></payloadFactory><send><endpoint key="remote"/></send></sequence>`,
      `  <localEntry key="format">x</localEntry>`,
      `</definitions>`,
    ].join('\n'),
  });
  const err = await t.throwsAsync(startGateway(dir));
  const got = (err as ConfigErrors).errors.map((e) => `${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`);
  t.deepEqual(got.map((l) => l.split(' ').slice(0, 2).join(' ')), ['2:3 MOOR_ERR_UNSUPPORTED', '3:3 MOOR_ERR_UNRESOLVED_KEY', '5:3 MOOR_ERR_DUPLICATE_NAME', '6:38 MOOR_ERR_UNRESOLVED_KEY'], got.join('\n'));
  t.regex(got[0]!, /<localEntry src="http:\/\/example\.org\/x\.xml">: moor reads local entries from files/);
  t.regex(got[1]!, /<localEntry key="gone"> cannot read its src .*nowhere\.xml: ENOENT/);
  t.regex(got[2]!, /key "twice" is already defined at .*p\.xml:4:3/);
  t.regex(got[3]!, /<format key>: key "formt" names no local entry \(did you mean "format"\?\) nor registry resource/);
});
