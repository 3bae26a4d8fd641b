import test from 'ava';
import { definitions, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, startSoapBackend, throughProxy } from './soap-backend.ts';

function run(parts: { in?: string; out?: string }, envelope: string, headers?: Record<string, string>) {
  return throughProxy(parts, envelope, headers);
}

const checkPrice = soap11(`<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>IBM</m0:Code></m0:CheckPriceRequest>`, `<t:Trace xmlns:t="urn:t">1</t:Trace>`);

test('rewrites the request body from the format and its arguments, keeping the header (Synapse sample 17)', async (t) => {
  const { received } = await run(
    {
      in: `<payloadFactory>
             <format><m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>$1</m:symbol></m:request></m:getQuote></format>
             <args><arg xmlns:m0="http://services.samples" expression="//m0:Code"/></args>
           </payloadFactory>`,
    },
    checkPrice,
  );
  const body = received[0]!.body;
  t.regex(body, /<soapenv:Body><m:getQuote xmlns:m="http:\/\/services.samples"><m:request><m:symbol>IBM<\/m:symbol><\/m:request><\/m:getQuote><\/soapenv:Body>/);
  t.regex(body, /<soapenv:Header><t:Trace xmlns:t="urn:t">1<\/t:Trace><\/soapenv:Header>/);
  t.notRegex(body, /CheckPriceRequest/);
});

test('rewrites the response in the out sequence', async (t) => {
  const { res } = await run(
    {
      out: `<payloadFactory>
              <format><r:CheckPriceResponse xmlns:r="urn:r"><r:Code>$1</r:Code><r:Twice>$1-$1</r:Twice><r:Via>$2</r:Via></r:CheckPriceResponse></format>
              <args><arg xmlns:m0="http://services.samples" expression="//m0:Code"/><arg value="moor"/></args>
            </payloadFactory>`,
    },
    checkPrice,
  );
  t.regex(res.text, /<soapenv:Body><r:CheckPriceResponse xmlns:r="urn:r"><r:Code>IBM<\/r:Code><r:Twice>IBM-IBM<\/r:Twice><r:Via>moor<\/r:Via><\/r:CheckPriceResponse><\/soapenv:Body>/);
});

test('text arguments are escaped, in text and in attributes; XML arguments are inserted as XML', async (t) => {
  const { received } = await run(
    {
      // (an OM element with child elements: one with text alone would be its text, as in WSO2)
      in: `<property name="extra" type="OM"><x:Extra xmlns:x="urn:x"><x:e>e</x:e></x:Extra></property>
           <payloadFactory>
             <format><a:A xmlns:a="urn:a" note="$1"><a:t>$1</a:t><a:xml>$2</a:xml><a:dollar>$$3</a:dollar></a:A></format>
             <args><arg value='5 &lt; 6 &amp; "q"'/><arg expression="get-property('extra')"/><arg value="$1"/></args>
           </payloadFactory>`,
    },
    checkPrice,
  );
  const body = received[0]!.body;
  t.regex(body, /note="5 &lt; 6 &amp; &quot;q&quot;"/);
  t.regex(body, /<a:t>5 &lt; 6 &amp; (&quot;|")q(&quot;|")<\/a:t>/);
  t.regex(body, /<a:xml><x:Extra xmlns:x="urn:x"><x:e>e<\/x:e><\/x:Extra><\/a:xml>/);
  t.regex(body, /<a:dollar>\$\$1<\/a:dollar>/, 'a value is not substituted again');
});

test('a SOAP 1.2 envelope stays SOAP 1.2', async (t) => {
  const { received } = await run(
    { in: `<payloadFactory><format><n:New xmlns:n="urn:n">$1</n:New></format><args><arg value="v"/></args></payloadFactory>` },
    soap12(`<o:Old xmlns:o="urn:o"/>`),
    { 'content-type': 'application/soap+xml; charset=utf-8' },
  );
  t.regex(received[0]!.body, /^<env:Envelope xmlns:env="http:\/\/www.w3.org\/2003\/05\/soap-envelope"><env:Body><n:New xmlns:n="urn:n">v<\/n:New><\/env:Body><\/env:Envelope>$/);
});

test('configuration mistakes are reported at their place', async (t) => {
  const lines = await configErrorsOf(`
<payloadFactory><format><a>$1 $3</a></format><args><arg value="1"/><arg value="2"/></args></payloadFactory>
<payloadFactory media-type="yaml"><format>{}</format></payloadFactory>
<payloadFactory><args/></payloadFactory>`);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE the format uses \$3 but there are 2 <arg>s/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE media-type must be one of xml, json, not "yaml"/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_MISSING_ATTRIBUTE <payloadFactory> needs a <format>/);
});
