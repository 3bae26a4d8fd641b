import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { deadUrl, type Received, startSoapBackend } from './soap-backend.ts';

const M0 = 'http://services.samples';
const symbolsIn = (xml: string): string[] => [...xml.matchAll(/<m0:symbol>(\w+)<\/m0:symbol>/g)].map((m) => m[1]!);

/** A backend answering getQuoteResponse for each symbol it got, after `delayMs(symbol)`. */
function quotes(delayMs: (symbol: string) => number = () => 0) {
  return async (r: Received) => {
    const symbols = symbolsIn(r.body);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ...symbols.map(delayMs))));
    const inner = symbols.map((s) => `<m0:getQuoteResponse><m0:return><m0:symbol>${s}</m0:symbol><m0:last>${s.length}</m0:last></m0:return></m0:getQuoteResponse>`).join('');
    return { body: soap11(`<m0:wrapper xmlns:m0="${M0}">${inner}</m0:wrapper>`) };
  };
}

const getQuote = (...symbols: string[]) =>
  soap11(
    `<m0:getQuote xmlns:m0="${M0}">${symbols.map((s) => `<m0:request><m0:symbol>${s}</m0:symbol></m0:request>`).join('')}</m0:getQuote>`,
    `<t:Trace xmlns:t="urn:t">k</t:Trace>`,
  );

/** Synapse sample 400: iterate in the in sequence, aggregate in the out sequence. */
function sample400(uri: string, iterateAttrs = `preservePayload="true" attachPath="//m0:getQuote"`, aggregateInner = '') {
  return definitions(`
    <proxy name="SplitAggregateProxy">
      <target>
        <inSequence>
          <iterate xmlns:m0="${M0}" expression="//m0:getQuote/m0:request" ${iterateAttrs}>
            <target><sequence><send><endpoint><address uri="${uri}"/></endpoint></send></sequence></target>
          </iterate>
        </inSequence>
        <outSequence>
          <aggregate>${aggregateInner}
            <onComplete xmlns:m0="${M0}" expression="//m0:getQuoteResponse"><send/></onComplete>
          </aggregate>
        </outSequence>
      </target>
    </proxy>`);
}

test('Synapse sample 400: each part goes to the backend alone; the client gets one aggregated reply', async (t) => {
  const backend = await startSoapBackend(quotes());
  const gw = await startGateway({ 'p.xml': sample400(backend.url) });
  try {
    const res = await post(`${gw.url}/services/SplitAggregateProxy`, getQuote('IBM', 'MSFT', 'SUN'));
    t.is(res.status, 200);
    t.deepEqual(symbolsIn(res.text), ['IBM', 'MSFT', 'SUN']);
    t.is([...res.text.matchAll(/<m0:getQuoteResponse>/g)].length, 3);
    t.is([...res.text.matchAll(/<soapenv:Envelope/g)].length, 1);
    t.is(backend.received.length, 3);
    for (const r of backend.received) {
      t.is(symbolsIn(r.body).length, 1, 'one request per part');
      t.regex(r.body, /<soapenv:Header><t:Trace xmlns:t="urn:t">k<\/t:Trace><\/soapenv:Header>/, 'the header goes with every part');
      t.regex(r.body, /<soapenv:Body><m0:getQuote xmlns:m0="http:\/\/services.samples"><m0:request>/, 'preservePayload keeps the payload around the part');
    }
    t.deepEqual(backend.received.map((r) => symbolsIn(r.body)[0]).sort(), ['IBM', 'MSFT', 'SUN']);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('without preservePayload the part alone is the Body; replies are gathered in part order, parts run concurrently', async (t) => {
  // the first part answers last: order follows the parts, not the arrivals
  const answer = quotes((s) => (s === 'A' ? 400 : 200));
  let inFlight = 0;
  let most = 0;
  const backend = await startSoapBackend(async (r) => {
    most = Math.max(most, ++inFlight);
    try {
      return await answer(r);
    } finally {
      inFlight--;
    }
  });
  const gw = await startGateway({ 'p.xml': sample400(backend.url, '') });
  try {
    const res = await post(`${gw.url}/services/SplitAggregateProxy`, getQuote('A', 'B', 'C', 'D'));
    t.true(most > 1, 'the backend saw several parts at once');
    t.deepEqual(symbolsIn(res.text), ['A', 'B', 'C', 'D']);
    for (const r of backend.received) t.regex(r.body, /<soapenv:Body><m0:request xmlns:m0="http:\/\/services.samples"><m0:symbol>\w<\/m0:symbol><\/m0:request><\/soapenv:Body>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('messageCount max completes early; a timeout completes with what arrived', async (t) => {
  const backend = await startSoapBackend(quotes((s) => (s === 'SLOW' ? 4000 : 0)));
  const max = await startGateway({ 'p.xml': sample400(backend.url, '', `<completeCondition><messageCount min="-1" max="2"/></completeCondition>`) });
  const timeout = await startGateway({ 'p.xml': sample400(backend.url, '', `<completeCondition timeout="0.5"/>`) });
  try {
    let started = Date.now();
    const r1 = await post(`${max.url}/services/SplitAggregateProxy`, getQuote('A', 'B', 'SLOW'));
    t.true(Date.now() - started < 3000, `answered at the second reply (${Date.now() - started} ms)`);
    t.deepEqual(symbolsIn(r1.text), ['A', 'B']);
    started = Date.now();
    const r2 = await post(`${timeout.url}/services/SplitAggregateProxy`, getQuote('A', 'SLOW', 'B'));
    t.true(Date.now() - started < 3000, `answered at the timeout, not after the slow part (${Date.now() - started} ms)`);
    t.deepEqual(symbolsIn(r2.text), ['A', 'B']);
  } finally {
    await max.close();
    await timeout.close();
    await backend.close();
  }
});

function withDeadPart(uri: string, dead: string, aggregateInner = '') {
  return definitions(`
    <proxy name="P">
      <target>
        <inSequence>
          <iterate xmlns:m0="${M0}" expression="//m0:request">
            <target><sequence>
              <filter source="//m0:symbol" regex="DEAD">
                <then><send><endpoint><address uri="${dead}"/></endpoint></send></then>
                <else><send><endpoint><address uri="${uri}"/></endpoint></send></else>
              </filter>
            </sequence></target>
          </iterate>
        </inSequence>
        <outSequence><aggregate>${aggregateInner}<onComplete xmlns:m0="${M0}" expression="//m0:getQuoteResponse"><send/></onComplete></aggregate></outSequence>
        <faultSequence><makefault><reason expression="concat('split failed: ', $ctx:ERROR_CODE)"/></makefault><send/></faultSequence>
      </target>
    </proxy>`);
}

test('a failed part: the error reaches the fault sequence, unless messageCount min is met', async (t) => {
  const backend = await startSoapBackend(quotes());
  const dead = await deadUrl();
  const strict = await startGateway({ 'p.xml': withDeadPart(backend.url, dead) });
  const lenient = await startGateway({ 'p.xml': withDeadPart(backend.url, dead, `<completeCondition><messageCount min="2"/></completeCondition>`) });
  try {
    const r1 = await post(`${strict.url}/services/P`, getQuote('A', 'DEAD', 'B'));
    t.is(r1.status, 500);
    t.regex(r1.text, /split failed: 101503/);
    const r2 = await post(`${lenient.url}/services/P`, getQuote('A', 'DEAD', 'B'));
    t.is(r2.status, 200);
    t.deepEqual(symbolsIn(r2.text), ['A', 'B']);
  } finally {
    await strict.close();
    await lenient.close();
    await backend.close();
  }
});

test('aggregate in the in path after <call> (Synapse sample 471 pattern), with onComplete building the answer', async (t) => {
  const backend = await startSoapBackend(quotes());
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="BuyAll">
        <target>
          <inSequence>
            <property name="SESSION_ID" value="s-1"/>
            <iterate xmlns:m0="${M0}" expression="//m0:request">
              <target><sequence><call><endpoint key="quotes"/></call><sequence key="collector"/></sequence></target>
            </iterate>
          </inSequence>
        </target>
      </proxy>
      <endpoint name="quotes"><address uri="${backend.url}"/></endpoint>
      <sequence name="collector">
        <aggregate>
          <onComplete xmlns:m0="${M0}">
            <payloadFactory>
              <format><r:buyAllResponse xmlns:r="urn:r"><r:itemCount>$1</r:itemCount><r:total>$2</r:total><r:session>$3</r:session></r:buyAllResponse></format>
              <args>
                <arg expression="count(//m0:getQuoteResponse)"/>
                <arg expression="sum(//m0:last)"/>
                <arg expression="get-property('SESSION_ID')"/>
              </args>
            </payloadFactory>
            <respond/>
          </onComplete>
        </aggregate>
      </sequence>`),
  });
  try {
    const res = await post(`${gw.url}/services/BuyAll`, getQuote('IBM', 'MSFT', 'AB'));
    t.is(res.status, 200);
    // count() and sum() are numbers, which MI's payloadFactory writes as Java writes a Double
    t.regex(res.text, /<r:buyAllResponse xmlns:r="urn:r"><r:itemCount>3\.0<\/r:itemCount><r:total>9\.0<\/r:total><r:session>s-1<\/r:session><\/r:buyAllResponse>/);
    t.is(backend.received.length, 3);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a target endpoint, sequential parts, and ids that pair an iterate with its aggregate', async (t) => {
  const backend = await startSoapBackend(quotes());
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="P">
        <target>
          <inSequence>
            <iterate id="q" sequential="true" xmlns:m0="${M0}" expression="//m0:request"><target endpoint="quotes"/></iterate>
          </inSequence>
          <outSequence>
            <aggregate id="other"><onComplete expression="//x"><property name="X-Wrong" scope="transport" value="1"/></onComplete></aggregate>
            <aggregate id="q"><onComplete xmlns:m0="${M0}" expression="//m0:getQuoteResponse"><send/></onComplete></aggregate>
          </outSequence>
        </target>
      </proxy>
      <endpoint name="quotes"><address uri="${backend.url}"/></endpoint>`),
  });
  try {
    const res = await post(`${gw.url}/services/P`, getQuote('X', 'Y'));
    t.deepEqual(symbolsIn(res.text), ['X', 'Y']);
    t.is(res.headers['x-wrong'], undefined);
    t.deepEqual(backend.received.map((r) => symbolsIn(r.body)[0]), ['X', 'Y'], 'sequential parts are sent in order');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('an expression that selects nothing is a fault; a message not from an iterate passes an aggregate', async (t) => {
  const backend = await startSoapBackend(quotes());
  const gw = await startGateway({ 'p.xml': sample400(backend.url, '') });
  try {
    const none = await post(`${gw.url}/services/SplitAggregateProxy`, soap11(`<o:Other xmlns:o="urn:o"/>`));
    t.is(none.status, 500);
    t.regex(none.text, /selects no element to split the message by/);
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
  }
  const plain = await startGateway({
    'p.xml': definitions(`<proxy name="P"><target><inSequence><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence>
      <outSequence><aggregate><onComplete expression="//x"><property name="X-Agg" scope="transport" value="1"/></onComplete></aggregate><property name="X-Passed" scope="transport" value="1"/></outSequence></target></proxy>`),
  });
  try {
    const res = await post(`${plain.url}/services/P`, getQuote('Z'));
    t.is(res.headers['x-passed'], '1');
    t.is(res.headers['x-agg'], undefined);
    t.deepEqual(symbolsIn(res.text), ['Z']);
  } finally {
    await plain.close();
    await backend.close();
  }
});

test('configuration mistakes are reported at their place', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'p.xml': definitions(`<proxy name="P"><target><inSequence>
<iterate expression="//a"/>
<iterate expression="//a" preservePayload="yes"><target sequence="s"><endpoint key="e"/></target></iterate>
<aggregate><correlateOn expression="//c"/></aggregate>
<aggregate><completeCondition timeout="soon"><messageCount max="many"/></completeCondition><onComplete expression="//m:x"/></aggregate>
</inSequence></target></proxy><sequence name="s"><drop/></sequence><endpoint name="e"><address uri="http://127.0.0.1:1/"/></endpoint>`),
    }),
  );
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_MISSING_ATTRIBUTE <iterate> needs a <target>/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE preservePayload must be one of true, false/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE <target> of <iterate> takes a sequence or an endpoint/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_UNSUPPORTED <correlateOn> is not supported/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_MISSING_ATTRIBUTE <aggregate> needs an <onComplete/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE timeout must be a positive number/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_VALUE max must be a whole number/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_BAD_XPATH prefix "m" in "\/\/m:x" is not declared/);
});

test('<messageCount max="{xpath}">: the bound is read from the first reply, as Synapse\'s Value is', async (t) => {
  // SUN is answered only after the client has its answer: with max 2 (from the replies' X-Max header), the
  // aggregate completes with IBM and MSFT; without the bound it would wait for SUN
  let releaseSun = (): void => {};
  const sunHeld = new Promise<void>((r) => (releaseSun = r));
  const answer = quotes();
  const backend = await startSoapBackend(async (r) => {
    if (symbolsIn(r.body)[0] === 'SUN') await sunHeld;
    return { ...(await answer(r)), headers: { 'x-max': '2' } };
  });
  const gw = await startGateway({ 'p.xml': sample400(backend.url, undefined, `<completeCondition><messageCount min="-1" max="{$trp:X-Max}"/></completeCondition>`) });
  try {
    const res = await post(`${gw.url}/services/SplitAggregateProxy`, getQuote('IBM', 'MSFT', 'SUN'));
    t.is(res.status, 200);
    t.deepEqual(symbolsIn(res.text).sort(), ['IBM', 'MSFT']);
  } finally {
    releaseSun();
    await gw.close();
    await backend.close();
  }
});

/** `inner` in a <definitions> with <moor:limits `limits`/> and the t: prefix of getQuote's header block. */
const limited = (limits: string, inner: string) =>
  `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config" xmlns:t="urn:t"><moor:limits ${limits}/>${inner}</definitions>`;

test('the gateway\'s <moor:limits> hold for the parts of an <iterate> and a <clone>: a part is refused as the original message is', async (t) => {
  const backend = await startSoapBackend(quotes());
  // copies the 100-byte t:Trace into a request header, past maxHeaderValueBytes="64"
  const copy = `<property name="X-Trace" scope="transport" expression="$header/t:Trace"/>`;
  const send = `<send><endpoint><address uri="${backend.url}"/></endpoint></send>`;
  const out = `<outSequence><aggregate><onComplete xmlns:m0="${M0}" expression="//m0:getQuoteResponse"><send/></onComplete></aggregate></outSequence>`;
  const gw = await startGateway({
    'p.xml': limited('maxHeaderValueBytes="64"', `
      <proxy name="Whole"><target><inSequence>${copy}${send}</inSequence><outSequence><send/></outSequence></target></proxy>
      <proxy name="Iterated"><target><inSequence>
        <iterate xmlns:m0="${M0}" expression="//m0:getQuote/m0:request" preservePayload="true" attachPath="//m0:getQuote"><target><sequence>${copy}${send}</sequence></target></iterate>
      </inSequence>${out}</target></proxy>
      <proxy name="Cloned"><target><inSequence><clone><target><sequence>${copy}${send}</sequence></target></clone></inSequence>${out}</target></proxy>`),
  });
  try {
    const request = soap11(`<m0:getQuote xmlns:m0="${M0}"><m0:request><m0:symbol>A</m0:symbol></m0:request></m0:getQuote>`, `<t:Trace xmlns:t="urn:t">${'v'.repeat(100)}</t:Trace>`);
    for (const proxy of ['Whole', 'Iterated', 'Cloned']) {
      const res = await post(`${gw.url}/services/${proxy}`, request);
      t.is(res.status, 400, proxy);
      t.regex(res.text, /MOOR_ERR_HEADER_VALUE/, proxy);
      t.regex(res.text, /100 bytes, more than maxHeaderValueBytes \(64\)/, proxy);
    }
    t.is(backend.received.length, 0, 'no copy was sent');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('the gateway\'s <moor:limits> hold for the aggregated message: merged past maxParseBytes, it is refused when parsed', async (t) => {
  // each reply (some 900 bytes) may be parsed; the three merged (some 2.5 KB) may not
  const pad = 'x'.repeat(700);
  const backend = await startSoapBackend(async (r) => ({
    body: soap11(`<m0:wrapper xmlns:m0="${M0}">${symbolsIn(r.body).map((s) => `<m0:getQuoteResponse><m0:symbol>${s}</m0:symbol><m0:pad>${pad}</m0:pad></m0:getQuoteResponse>`).join('')}</m0:wrapper>`),
  }));
  const count = `<property xmlns:m0="${M0}" name="n" expression="count(//m0:getQuoteResponse)"/>`;
  const gw = await startGateway({
    'p.xml': limited('maxParseBytes="1500"', `
      <proxy name="Iterated"><target><inSequence>
        <iterate xmlns:m0="${M0}" expression="//m0:getQuote/m0:request"><target><sequence><send><endpoint><address uri="${backend.url}"/></endpoint></send></sequence></target></iterate>
      </inSequence><outSequence><aggregate><onComplete xmlns:m0="${M0}" expression="//m0:getQuoteResponse">${count}<send/></onComplete></aggregate></outSequence></target></proxy>`),
  });
  try {
    const one = await post(`${gw.url}/services/Iterated`, getQuote('A'));
    t.is(one.status, 200, 'one reply, merged alone, is within the limit');
    t.is(symbolsIn(one.text).length, 1);
    const res = await post(`${gw.url}/services/Iterated`, getQuote('A', 'B', 'C'));
    t.is(res.status, 413);
    t.regex(res.text, /MOOR_ERR_MESSAGE_TOO_LARGE/);
    t.regex(res.text, /larger than 1500 bytes, the most a mediator may parse \(maxParseBytes\)/);
  } finally {
    await gw.close();
    await backend.close();
  }
});
