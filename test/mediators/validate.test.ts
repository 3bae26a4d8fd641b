import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { checkConfig, loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, elementText, post, soap11, soap12, startGateway, XML12 } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const COMMON = `<localEntry key="common.xsd"><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o" elementFormDefault="qualified">
  <xs:simpleType name="Qty"><xs:restriction base="xs:int"><xs:minInclusive value="1"/></xs:restriction></xs:simpleType></xs:schema></localEntry>`;
const ORDER = `<localEntry key="order.xsd"><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:o="urn:o" targetNamespace="urn:o" elementFormDefault="qualified">
  <xs:include schemaLocation="common.xsd"/>
  <xs:element name="order"><xs:complexType><xs:sequence><xs:element name="sku" type="xs:string"/><xs:element name="qty" type="o:Qty"/></xs:sequence></xs:complexType></xs:element></xs:schema></localEntry>`;
const onFail = `<on-fail><makefault><code value="s:Client" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="$ctx:ERROR_MESSAGE"/></makefault><respond/></on-fail>`;

test('a valid payload goes on to the backend; an invalid one runs on-fail with ERROR_MESSAGE saying why', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(COMMON + ORDER + proxy('P', { in: `<validate><schema key="order.xsd"/><resource location="common.xsd" key="common.xsd"/>${onFail}</validate>`, uri: backend.url })),
  });
  try {
    const ok = await post(`${gw.url}/services/P`, soap11(`<p:order xmlns:p="urn:o"><p:sku>A</p:sku><p:qty>2</p:qty></p:order>`));
    t.is(ok.status, 200);
    t.is(backend.received.length, 1);
    const bad = await post(`${gw.url}/services/P`, soap11(`<p:order xmlns:p="urn:o"><p:sku>A</p:sku><p:qty>0</p:qty></p:order>`));
    t.is(bad.status, 500);
    t.regex(elementText(bad.text, 'faultstring') ?? '', /Element '\{urn:o\}qty': \[facet 'minInclusive'\] The value '0' is less than the minimum value allowed \('1'\)/);
    const missing = await post(`${gw.url}/services/P`, soap11(`<p:order xmlns:p="urn:o"><p:qty>2</p:qty></p:order>`));
    t.regex(elementText(missing.text, 'faultstring') ?? '', /Element '\{urn:o\}qty': This element is not expected. Expected is \( \{urn:o\}sku \)/);
    t.is(backend.received.length, 1, 'nothing invalid reached the backend');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('source= selects what is validated, with the namespaces of the envelope around it (SOAP 1.2)', async (t) => {
  const backend = await startSoapBackend();
  // the payload's prefix is declared on the Envelope only: the element validated alone must keep it
  const envelope = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:p="urn:o"><env:Body><w:wrap xmlns:w="urn:w"><p:order><p:sku>A</p:sku><p:qty>3</p:qty></p:order></w:wrap></env:Body></env:Envelope>`;
  const gw = await startGateway({
    'p.xml': definitions(COMMON + ORDER + proxy('P', { in: `<validate source="//p:order" xmlns:p="urn:o"><schema key="order.xsd"/><resource location="common.xsd" key="common.xsd"/>${onFail}</validate>`, uri: backend.url })),
  });
  try {
    const res = await post(`${gw.url}/services/P`, envelope, XML12);
    t.is(res.status, 200, res.text);
    const none = await post(`${gw.url}/services/P`, soap12(`<w:wrap xmlns:w="urn:w"/>`), XML12);
    t.is(none.status, 400, 'a SOAP 1.2 Sender fault');
    t.regex(none.text, /source="\/\/p:order" selects no element/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('configuration: a schema that does not compile, a missing include, several schemas and JSON are refused at their place', async (t) => {
  const bad = `<localEntry key="bad.xsd"><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="nope"/></xs:schema></localEntry>`;
  const dir = await configDir({
    'p.xml': definitions(
      proxy('P', {
          in: `\n<validate>\n<schema key="bad.xsd"/>${onFail}</validate>\n<validate>\n<schema key="order.xsd"/>${onFail}</validate>\n<validate><schema key="order.xsd"/>\n<schema key="common.xsd"/>${onFail}</validate>\n<validate source="json-eval($.a)"><schema key="order.xsd"/>${onFail}</validate>\n<validate><schema key="order.xsd"/></validate>`,
      }) +
        bad +
        ORDER +
        COMMON,
    ),
  });
  const err = await t.throwsAsync(checkConfig(dir));
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE the schema "bad.xsd" does not compile: element decl. 'a', attribute 'type': The QName value 'nope' does not resolve/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE the schema "order.xsd" does not compile: .*common.xsd/);
  t.regex(lines, /p\.xml:7:\d+ MOOR_ERR_UNSUPPORTED <validate> with several <schema>s/);
  t.regex(lines, /p\.xml:8:\d+ MOOR_ERR_UNSUPPORTED <validate> of a JSON payload/);
  t.regex(lines, /p\.xml:9:\d+ MOOR_ERR_MISSING_ATTRIBUTE <validate> needs an <on-fail>/);
  const warned = await loadConfig(await configDir({ 'p.xml': definitions(COMMON + proxy('P', { in: `\n<validate><schema key="common.xsd"/><feature name="http://javax.xml.XMLConstants/feature/secure-processing" value="true"/>${onFail}</validate>` })) }));
  t.deepEqual(warned.errors, []);
  t.deepEqual(warned.warnings.map((w) => w.code), ['MOOR_WARN_NO_EFFECT']);
});
