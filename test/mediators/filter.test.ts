import test from 'ava';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, type SoapBackend, startSoapBackend } from './soap-backend.ts';

const quote = (symbol: string) => soap11(`<m:getQuote xmlns:m="urn:m"><m:symbol>${symbol}</m:symbol></m:getQuote>`);
const sendTo = (b: SoapBackend) => `<send><endpoint><address uri="${b.url}"/></endpoint></send>`;

async function withTwo(fn: (a: SoapBackend, b: SoapBackend) => Promise<void>): Promise<void> {
  const a = await startSoapBackend();
  const b = await startSoapBackend();
  try {
    await fn(a, b);
  } finally {
    await a.close();
    await b.close();
  }
}

test('source + regex picks then or else; the regex must match the whole value', async (t) => {
  await withTwo(async (a, b) => {
    const gw = await startGateway({
      'p.xml': definitions(proxy('P', { in: `<filter source="//m:symbol" regex="IBM|SUN" xmlns:m="urn:m"><then>${sendTo(a)}</then><else>${sendTo(b)}</else></filter>` })),
    });
    try {
      for (const s of ['IBM', 'IBMX', 'SUN', 'MSFT']) t.is((await post(`${gw.url}/services/P`, quote(s))).status, 200);
      t.deepEqual(a.received.map((r) => /<m:symbol>(\w+)</.exec(r.body)?.[1]), ['IBM', 'SUN']);
      t.deepEqual(b.received.map((r) => /<m:symbol>(\w+)</.exec(r.body)?.[1]), ['IBMX', 'MSFT']);
    } finally {
      await gw.close();
    }
  });
});

test('xpath form with the short syntax: mediators as direct children run when true', async (t) => {
  await withTwo(async (a) => {
    const gw = await startGateway({
      'p.xml': definitions(proxy('P', { in: `<filter xpath="$trp:X-Tier = 'gold'"><property name="X-Priority" scope="transport" value="high"/></filter>${sendTo(a)}` })),
    });
    try {
      await post(`${gw.url}/services/P`, quote('A'), { 'content-type': 'text/xml', 'x-tier': 'gold' });
      await post(`${gw.url}/services/P`, quote('B'), { 'content-type': 'text/xml', 'x-tier': 'silver' });
      t.deepEqual(a.received.map((r) => r.headers['x-priority']), ['high', undefined]);
    } finally {
      await gw.close();
    }
  });
});

test('a branch that drops stops the sequence around the filter', async (t) => {
  await withTwo(async (a) => {
    const gw = await startGateway({
      'p.xml': definitions(proxy('P', { in: `<filter xpath="//m:symbol = 'EVIL'" xmlns:m="urn:m"><then><drop/></then></filter>${sendTo(a)}` })),
    });
    try {
      const dropped = await post(`${gw.url}/services/P`, quote('EVIL'));
      t.is(dropped.status, 202);
      t.is(dropped.text, '');
      const passed = await post(`${gw.url}/services/P`, quote('GOOD'));
      t.is(passed.status, 200);
      t.is(a.received.length, 1);
    } finally {
      await gw.close();
    }
  });
});

test('then/else can name a sequence', async (t) => {
  await withTwo(async (a, b) => {
    const gw = await startGateway({
      'p.xml': definitions(
        proxy('P', { in: `<filter source="$trp:X-Route" regex="a"><then sequence="toA"/><else sequence="toB"/></filter>` }) +
          `<sequence name="toA">${sendTo(a)}</sequence><sequence name="toB">${sendTo(b)}</sequence>`,
      ),
    });
    try {
      await post(`${gw.url}/services/P`, quote('1'), { 'content-type': 'text/xml', 'x-route': 'a' });
      await post(`${gw.url}/services/P`, quote('2'), { 'content-type': 'text/xml', 'x-route': 'b' });
      t.is(a.received.length, 1);
      t.is(b.received.length, 1);
    } finally {
      await gw.close();
    }
  });
});

test('configuration mistakes are reported at their place', async (t) => {
  const lines = await configErrorsOf(`
<filter xpath="1=1" source="x" regex="y"><drop/></filter>
<filter source="$trp:a" regex="(unclosed"><drop/></filter>
<filter><drop/></filter>
<filter xpath="1=1"><then sequence="nowhere"/><otherwise/></filter>`);
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_BAD_VALUE <filter> takes xpath, or source with regex, not both/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE regex "\(unclosed" is not a regular expression/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_MISSING_ATTRIBUTE <filter> needs xpath/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_UNRESOLVED_KEY no sequence named "nowhere"/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_UNKNOWN_ELEMENT <otherwise> is not allowed in <filter>/);
});
