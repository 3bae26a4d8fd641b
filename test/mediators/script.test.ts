/**
 * <script language="js">: a real gateway and a real loopback SOAP backend; the script's view of the
 * message (mc), its bounds (time, memory, stack), what it cannot reach, and what is refused at load.
 */
import test from 'ava';
import { definitions, post, soap11, soap12, startGateway, XML11, XML12 } from '../helpers/gateway.ts';
// (serial: on a shared machine, many gateways at once starve the script threads of CPU)
import { configErrorsOf, proxy, startSoapBackend, throughProxy } from './soap-backend.ts';
import { startRestBackend } from '../helpers/rest-backend.ts';

const MOOR_NS = 'xmlns:moor="urn:moor:config"';
const quote = soap11('<m:CheckPriceRequest xmlns:m="urn:m"><m:Code>IBM</m:Code></m:CheckPriceRequest>');

/** An inline script element (CDATA, so the test's scripts need no escaping). */
const js = (code: string): string => `<script language="js"><![CDATA[${code}]]></script>`;

test.serial('an inline script reads the payload as XML text, writes a new one and sets a property a later mediator reads', async (t) => {
  const { res, received } = await throughProxy(
    {
      in:
        js(`
          var code = /<m:Code>([^<]*)</.exec(mc.getPayloadXML())[1];
          mc.setProperty("symbol", code);
          mc.setPayloadXML('<q:getQuote xmlns:q="http://services.samples"><q:symbol>' + code + '</q:symbol></q:getQuote>');
        `) + `<property name="X-Symbol" scope="transport" expression="get-property('symbol')"/>`,
    },
    quote,
    XML11,
  );
  t.is(res.status, 200, res.text);
  t.is(received.length, 1);
  t.regex(received[0]!.body, /<soapenv:Body><q:getQuote xmlns:q="http:\/\/services.samples"><q:symbol>IBM<\/q:symbol><\/q:getQuote><\/soapenv:Body>/);
  t.is(received[0]!.headers['x-symbol'], 'IBM');
});

test.serial('a script by key calls its function with mc, after its <include>s; properties in every scope', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(`
      <localEntry key="lib"><![CDATA[function upper(s) { return String(s).toUpperCase(); }]]></localEntry>
      <localEntry key="main"><![CDATA[
        var calls = 0;
        function transform(mc) {
          calls++;
          mc.setProperty("who", upper(mc.getProperty("name")));
          mc.setProperty("X-Calls", calls, "transport");
          mc.setProperty("seen", mc.getProperty("user-agent", "transport") === null ? "no" : "yes");
          mc.setProperty("soap11", mc.isSOAP11());
          mc.removeProperty("gone");
        }
      ]]></localEntry>
      ${proxy('P', {
        in: `<property name="name" value="ada"/><property name="gone" value="x"/>
          <script language="js" key="main" function="transform"><include key="lib"/></script>
          <property name="X-Who" scope="transport" expression="get-property('who')"/>
          <property name="X-Gone" scope="transport" expression="concat('[', get-property('gone'), ']')"/>
          <property name="X-Soap11" scope="transport" expression="get-property('soap11')"/>`,
        uri: backend.url,
      })}`),
  });
  try {
    for (let i = 1; i <= 2; i++) {
      const res = await post(`${gw.url}/services/P`, quote, XML11);
      t.is(res.status, 200, res.text);
      const h = backend.received.at(-1)!.headers;
      t.is(h['x-who'], 'ADA');
      // (the top level runs once per interpreter, the function per message: script-sandbox.test.ts; each
      // worker thread has its own interpreter, so which count a message sees depends on its thread)
      t.regex(String(h['x-calls']), /^[12]$/);
      t.is(h['x-gone'], '[]');
      t.is(h['x-soap11'], 'true');
    }
  } finally {
    await gw.close();
    await backend.close();
  }
});

test.serial('a property the script sets routes the message: <filter> sends it to one of two backends', async (t) => {
  const a = await startSoapBackend();
  const b = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in:
          js(`mc.setProperty("route", mc.getPayloadXML().indexOf("IBM") >= 0 ? "b" : "a");`) +
          `<filter source="get-property('route')" regex="b">
             <then><send><endpoint><address uri="${b.url}"/></endpoint></send></then>
             <else><send><endpoint><address uri="${a.url}"/></endpoint></send></else>
           </filter>`,
      }),
    ),
  });
  try {
    t.is((await post(`${gw.url}/services/P`, quote, XML11)).status, 200);
    t.is((await post(`${gw.url}/services/P`, soap11('<m:X xmlns:m="urn:m">SUN</m:X>'), XML11)).status, 200);
    t.is(a.received.length, 1);
    t.is(b.received.length, 1);
    t.regex(b.received[0]!.body, /IBM/);
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

test.serial('mc.setTo() sets the WS-Addressing To that <send/> follows; getTo/getMessageID/getSoapAction read the message', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: js(`
          mc.setProperty("before", String(mc.getTo()).indexOf("/services/P") >= 0);
          mc.setProperty("action", mc.getSoapAction());
          mc.setProperty("id", mc.getMessageID());
          mc.setTo("${backend.url}");
          mc.setPayloadXML("<m:Changed xmlns:m='urn:m'/>");
        `) + `<property name="X-Before" scope="transport" expression="get-property('before')"/>
              <property name="X-Action" scope="transport" expression="get-property('action')"/>
              <property name="X-Id" scope="transport" expression="get-property('id')"/><send/>`,
      }),
    ),
  });
  try {
    const res = await post(`${gw.url}/services/P`, quote, { ...XML11, soapaction: '"urn:getQuote"' });
    t.is(res.status, 200, res.text);
    const got = backend.received[0]!;
    t.regex(got.body, /<wsa:To xmlns:wsa="http:\/\/www.w3.org\/2005\/08\/addressing">http:\/\/127.0.0.1:\d+\/services\/Echo<\/wsa:To>/, 'the header set before the payload was rewritten is kept');
    t.regex(got.body, /<m:Changed xmlns:m="urn:m"\/>/);
    t.is(got.headers['x-before'], 'true');
    t.is(got.headers['x-action'], 'urn:getQuote');
    t.regex(String(got.headers['x-id']), /^urn:uuid:/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test.serial('a script that returns false stops its sequence', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', {
        in: js(`mc.setProperty("X-Ran", "script", "transport"); return false;`) + `<property name="X-After" scope="transport" value="ran"/><send><endpoint><address uri="${backend.url}"/></endpoint></send>`,
        out: '<send/>',
      }) + proxy('Q', { in: js(`mc.setProperty("X-Ran", "script", "transport"); return true;`) + `<property name="X-After" scope="transport" value="ran"/><send><endpoint><address uri="${backend.url}"/></endpoint></send>`, out: '<send/>' }),
    ),
  });
  try {
    const stopped = post(`${gw.url}/services/P`, quote, XML11).catch(() => undefined);
    const q = await post(`${gw.url}/services/Q`, quote, XML11);
    t.is(q.status, 200);
    t.is(backend.received.length, 1, 'only Q reached the backend: P stopped at its script');
    t.is(backend.received[0]!.headers['x-after'], 'ran');
    void stopped;
  } finally {
    await gw.close();
    await backend.close();
  }
});

test.serial('a script that throws is a SOAP fault in the request version; the fault sequence runs and reads ERROR_MESSAGE', async (t) => {
  const bare = definitions(proxy('P', { in: js('\nnull.x;') }));
  const gw = await startGateway({ 'p.xml': bare });
  try {
    const r11 = await post(`${gw.url}/services/P`, quote, XML11);
    t.is(r11.status, 500);
    t.regex(r11.text, /<faultcode>soapenv:Server<\/faultcode>|:Server</);
    t.regex(r11.text, /MOOR_ERR_MEDIATION/);
    t.regex(r11.text, /&lt;script&gt; at [^ ]*p\.xml:1:\d+ failed: TypeError: cannot read property 'x' of null \(line [^ ]*p\.xml:2:1\)|failed: TypeError/);
    const r12 = await post(`${gw.url}/services/P`, soap12('<m:X xmlns:m="urn:m"/>'), XML12);
    t.is(r12.status, 500);
    t.regex(r12.text, /http:\/\/www.w3.org\/2003\/05\/soap-envelope/);
    t.regex(r12.text, /Receiver/);
  } finally {
    await gw.close();
  }
  const handled = await throughProxy(
    { in: js('throw new Error("no such customer");'), fault: `<payloadFactory><format><e:Oops xmlns:e="urn:e">$1</e:Oops></format><args><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory><respond/>` },
    quote,
    XML11,
  );
  t.is(handled.res.status, 200, handled.res.text);
  t.regex(handled.res.text, /<e:Oops xmlns:e="urn:e">&lt;script&gt; at .* failed: Error: no such customer/);
  t.is(handled.received.length, 0);
});

test.serial('a script that runs past scriptTimeoutMs is stopped and faults; the next message runs the script again', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR_NS}><moor:limits scriptTimeoutMs="50"/>${proxy('P', {
      in: js(`if (mc.getPayloadXML().indexOf("loop") >= 0) { for (;;) {} } mc.setProperty("X-Ok", "yes", "transport");`),
      uri: backend.url,
    })}</definitions>`,
  });
  try {
    const started = Date.now();
    const looped = await post(`${gw.url}/services/P`, soap11('<m:loop xmlns:m="urn:m"/>'), XML11);
    const took = Date.now() - started;
    t.is(looped.status, 500);
    t.regex(looped.text, /ran longer than scriptTimeoutMs \(50 ms\)/);
    // (the bound itself is measured in script-sandbox.test.ts; here the whole exchange, on a shared machine)
    t.true(took >= 50 && took < 5000, `answered after ${took} ms`);
    const ok = await post(`${gw.url}/services/P`, quote, XML11);
    t.is(ok.status, 200, ok.text);
    t.is(backend.received.at(-1)!.headers['x-ok'], 'yes');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test.serial('memory past scriptMemoryBytes and recursion without end are faults, not crashes', async (t) => {
  const gw = await startGateway({
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR_NS}><moor:limits scriptMemoryBytes="4194304" scriptTimeoutMs="2000"/>
      ${proxy('M', { in: js('var a = new Array(1e8).fill(0);') })}
      ${proxy('R', { in: js('function f(n) { return f(n + 1) + 1; } f(0);') })}
      ${proxy('OK', { in: js('mc.setPayloadXML("<ok/>");') + '<respond/>' })}</definitions>`,
  });
  try {
    const m = await post(`${gw.url}/services/M`, quote, XML11);
    t.is(m.status, 500);
    t.regex(m.text, /ran out of memory/);
    const r = await post(`${gw.url}/services/R`, quote, XML11);
    t.is(r.status, 500);
    t.regex(r.text, /stack overflow|RangeError|InternalError/i);
    t.is((await post(`${gw.url}/services/M`, quote, XML11)).status, 500, 'and again, on a new interpreter');
    const ok = await post(`${gw.url}/services/OK`, quote, XML11);
    t.is(ok.status, 200);
    t.regex(ok.text, /<ok\/>/);
  } finally {
    await gw.close();
  }
});

test.serial('a script reaches nothing of the process: no process, require, module, fetch, timers; Function() is the sandbox own', async (t) => {
  const { res, received } = await throughProxy(
    {
      in: js(`
        var out = [typeof process, typeof require, typeof module, typeof fetch, typeof setTimeout, typeof globalThis.Buffer,
                   (function () {}).constructor("return typeof process")()].join(",");
        mc.setProperty("X-Reach", out, "transport");
      `),
    },
    quote,
    XML11,
  );
  t.is(res.status, 200, res.text);
  t.is(received[0]!.headers['x-reach'], 'undefined,undefined,undefined,undefined,undefined,undefined,undefined');
  const p = await throughProxy({ in: js('process.exit(1);') }, quote, XML11);
  t.is(p.res.status, 500);
  t.regex(p.res.text, /ReferenceError: process is not defined|'process' is not defined/);
  const r = await throughProxy({ in: js('require("fs").readFileSync("/etc/passwd");') }, quote, XML11);
  t.is(r.res.status, 500);
  t.regex(r.res.text, /ReferenceError: .*require/);
});

test.serial('E4X, syntax errors, other languages and misplaced attributes are refused at load, each at its file:line:col', async (t) => {
  const errors = await configErrorsOf(`<script language="js">
  var symbol = mc.getPayloadXML()..*::Code.toString();
</script>
<script language="js">
  mc.setPayloadXML(
  &lt;m:getQuote xmlns:m="urn:m"&gt;{symbol}&lt;/m:getQuote&gt;);
</script>
<script language="js"><![CDATA[
var ok = 1;
var broken = ;
]]></script>
<script language="js">var x = new XML(mc.getPayloadXML());</script>
<script language="rb">$mc.getPayloadXML()</script>
<script language="nashornJs">mc.getPayloadXML()</script>
<script language="js" function="f">var a;</script>
<script language="js"/>`);
  const line = (n: number, code: string, text: string): RegExp => new RegExp(`p\\.xml:${n}:\\d+ ${code} ${text}`);
  t.regex(errors, line(2, 'MOOR_ERR_UNSUPPORTED', 'the <script> uses E4X; moor has no E4X'));
  t.regex(errors, line(6, 'MOOR_ERR_UNSUPPORTED', 'the <script> uses E4X'));
  t.regex(errors, line(10, 'MOOR_ERR_BAD_VALUE', 'the <script> does not compile: SyntaxError'));
  t.regex(errors, line(12, 'MOOR_ERR_UNSUPPORTED', 'the <script> uses E4X \\(new XML\\(\\)\\)'));
  t.regex(errors, /MOOR_ERR_UNSUPPORTED <script language="rb">: moor runs only JavaScript \(language="js"\)/);
  t.regex(errors, /MOOR_ERR_UNSUPPORTED <script language="nashornJs">: moor runs JavaScript as language="js"/);
  t.regex(errors, /MOOR_ERR_MISSING_ATTRIBUTE <script function> needs a key/);
  t.regex(errors, /MOOR_ERR_MISSING_ATTRIBUTE <script> needs a key or an inline script/);
  t.notRegex(errors, /p\.xml:9:/, 'the line that compiles is not blamed');
});

test.serial('a key that names nothing, a dynamic key, and a function the script does not define are refused at load', async (t) => {
  const errors = await configErrorsOf(`<script language="js" key="nope"/>
<script language="js" key="{get-property('k')}"/>
<script language="js" key="lib" function="missing"/>`).then((e) => e);
  t.regex(errors, /MOOR_ERR_UNRESOLVED_KEY <script key>: key "nope" names no local entry/);
  t.regex(errors, /MOOR_ERR_UNSUPPORTED <script key="\{get-property\('k'\)\}">: a dynamic key/);
  t.regex(errors, /MOOR_ERR_UNRESOLVED_KEY <script key>: key "lib"/);
});

test.serial('a JSON payload (a REST API): getPayloadJSON, setPayloadJSON both ways; getPayloadXML reads JSON as WSO2\'s <jsonObject>, getPayloadJSON reads XML as JSON; on text it is an error', async (t) => {
  const backend = await startRestBackend('json', (c) => ({ contentType: 'application/json', body: JSON.stringify({ echoed: JSON.parse(c.body), total: 3 }) }));
  const gw = await startGateway({
    'api.xml': definitions(`<api name="Orders" context="/orders">
      <resource methods="POST" url-mapping="/json">
        <inSequence>${js(`
          var order = mc.getPayloadJSON();
          order.items = order.items.map(function (i) { return i.toUpperCase(); });
          order.count = order.items.length;
          mc.setProperty("X-Items", mc.getJsonText().length > 0 ? order.count : 0, "transport");
          mc.setPayloadJSON(order);
        `)}<send><endpoint><address uri="${backend.url}/backend"/></endpoint></send></inSequence>
        <outSequence>${js('var r = mc.getPayloadJSON(); mc.setPayloadJSON({ total: r.total * 10, items: r.echoed.items });')}<send/></outSequence>
      </resource>
      <resource methods="POST" url-mapping="/xml">
        <inSequence>${js('mc.setPayloadJSON({ xml: mc.getPayloadXML(), json: mc.getJsonText() });')}<respond/></inSequence>
      </resource>
      <resource methods="POST" url-mapping="/xmlonly">
        <inSequence>${js('mc.getPayloadXML();')}<respond/></inSequence>
      </resource>
    </api>`),
  });
  try {
    const r = await post(`${gw.url}/orders/json`, JSON.stringify({ id: 7, items: ['a', 'b'] }), { 'content-type': 'application/json' });
    t.is(r.status, 200, r.text);
    t.deepEqual(JSON.parse(backend.calls[0]!.body), { id: 7, items: ['A', 'B'], count: 2 });
    t.is(backend.calls[0]!.headers['x-items'], '2');
    t.deepEqual(JSON.parse(r.text), { total: 30, items: ['A', 'B'] });
    const x = await post(`${gw.url}/orders/xml`, '{"a":1}', { 'content-type': 'application/json' });
    t.is(x.status, 200, x.text);
    t.deepEqual(JSON.parse(x.text), { xml: '<jsonObject><a>1</a></jsonObject>', json: '{"a":1}' });
    const pox = await post(`${gw.url}/orders/xml`, '<order><id>7</id></order>', { 'content-type': 'application/xml' });
    t.deepEqual(JSON.parse(pox.text), { xml: '<order><id>7</id></order>', json: '{"order":{"id":7}}' });
    const text = await post(`${gw.url}/orders/xmlonly`, 'words', { 'content-type': 'text/plain' });
    t.is(text.status, 500);
    t.regex(text.text, /mc\.getPayloadXML\(\): the payload is not XML \(text\/plain\); use mc\.getPayloadJSON\(\)/);
  } finally {
    await gw.close();
    await backend.close();
  }
});
