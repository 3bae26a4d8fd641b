import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { checkConfig } from '../../src/server/runtime.ts';
import { configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const order = soap11(
  `<o:order xmlns:o="urn:o"><o:id>7</o:id><o:items><o:item><o:sku>A</o:sku><o:qty>1</o:qty></o:item><o:item><o:sku>B</o:sku><o:qty>3</o:qty></o:item></o:items><o:note>keep</o:note></o:order>`,
  '<h:Trace xmlns:h="urn:h">t</h:Trace>',
);

test('each selected element is transformed by the sequence and put back in its place; the message goes on to the backend', async (t) => {
  const backend = await startSoapBackend();
  // each item becomes a <line> with its quantity doubled (a number, written as MI writes a Java Double:
  // 2.0) and its position in the loop
  const loop = `<foreach expression="//o:item" xmlns:o="urn:o"><sequence>
      <payloadFactory><format><l:line xmlns:l="urn:l"><l:sku>$1</l:sku><l:qty>$2</l:qty><l:n>$3</l:n><l:trace>$4</l:trace></l:line></format>
        <args><arg expression="//o:sku"/><arg expression="//o:qty * 2"/><arg expression="$ctx:FOREACH_COUNTER"/><arg expression="$header/*[local-name()='Trace']"/></args></payloadFactory>
      <property name="inside" value="set in the loop"/>
    </sequence></foreach>
    <property name="X-Count" scope="transport" expression="$ctx:FOREACH_COUNTER"/>
    <property name="X-Inside" scope="transport" expression="concat('[', $ctx:inside, ']')"/>
    <property name="X-Original" scope="transport" expression="string($ctx:FOREACH_ORIGINAL_MESSAGE//*[local-name()='qty'][. = 3])"/>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: loop, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(res.status, 200, res.text);
    const sent = backend.received[0]!;
    t.regex(
      sent.body,
      /<o:items><l:line xmlns:l="urn:l"><l:sku>A<\/l:sku><l:qty>2\.0<\/l:qty><l:n>0<\/l:n><l:trace>t<\/l:trace><\/l:line><l:line xmlns:l="urn:l"><l:sku>B<\/l:sku><l:qty>6\.0<\/l:qty><l:n>1<\/l:n><l:trace>t<\/l:trace><\/l:line><\/o:items><o:note>keep<\/o:note>/,
    );
    t.regex(sent.body, /<h:Trace xmlns:h="urn:h">t<\/h:Trace>/, 'the header is untouched');
    t.is(sent.headers['x-count'], '2');
    t.is(sent.headers['x-inside'], '[]', 'a property set in the loop stays in its copy, as in WSO2');
    // (an expression reads the property as the envelope it holds, as Jaxen is given WSO2's copy of it)
    t.is(sent.headers['x-original'], '3', 'FOREACH_ORIGINAL_MESSAGE holds the message before the loop (qty 3, not 6)');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a foreach that selects nothing leaves the message as it is; a sequence given by key runs too', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      `<sequence name="upper"><property name="s" expression="translate(//*[local-name()='sku'], 'ab', 'AB')"/><enrich><source type="inline"><sku xmlns="urn:o">x</sku></source><target xpath="//*[local-name()='sku']"/></enrich></sequence>` +
        proxy('P', { in: `<foreach expression="//*[local-name()='missing']" sequence="upper"/><foreach expression="//*[local-name()='sku']" sequence="upper"/>`, uri: backend.url }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(res.status, 200, res.text);
    t.regex(backend.received[0]!.body, /<o:item><sku xmlns="urn:o">x<\/sku><o:qty>1<\/o:qty><\/o:item><o:item><sku xmlns="urn:o">x<\/sku><o:qty>3/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a foreach sequence that answers the client fails the message with a fault', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<foreach expression="//*[local-name()='item']"><sequence><respond/></sequence></foreach>`, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, order);
    t.is(res.status, 500);
    t.regex(res.text, /may not answer the client/);
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('configuration: sends in a foreach sequence, MI 4.4 collection= and json-eval are refused at their place', async (t) => {
  const dir = await configDir({
    'p.xml': definitions(
      `<sequence name="sends"><send/></sequence>` +
        proxy('P', {
          in: `\n<foreach expression="//a"><sequence><filter xpath="true()"><call/></filter></sequence></foreach>\n<foreach collection="\${payload.items}"><sequence/></foreach>\n<foreach expression="json-eval($.items)"><sequence/></foreach>\n<foreach expression="//a" sequence="sends"/>\n<foreach expression="//a"/>`,
        }),
    ),
  });
  const err = await t.throwsAsync(checkConfig(dir));
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE <call> is not allowed in a <foreach> sequence/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_UNSUPPORTED MI 4.4's <foreach collection/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED <foreach> over a JSON payload/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE the sequence "sends" of this <foreach> holds a <send>/);
  t.regex(lines, /p\.xml:6:\d+ MOOR_ERR_MISSING_ATTRIBUTE <foreach> needs sequence="key" or an inline <sequence>/);
});
