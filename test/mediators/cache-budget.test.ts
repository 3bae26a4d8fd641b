import test from 'ava';
import { elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, type Received, startSoapBackend } from './soap-backend.ts';

// (a file of its own: cacheMaxBytes counts every cache of the process, and ava runs each file in its own)

test('a response that does not fit in cacheMaxBytes is not kept, and still reaches the client', async (t) => {
  let n = 0;
  const backend = await startSoapBackend((r: Received) => ({ body: soap11(`<q:quote xmlns:q="urn:q"><q:n>${++n}</q:n><q:for>${/<[^>]*symbol>([^<]*)</.exec(r.body)?.[1] ?? ''}</q:for></q:quote>`) }));
  const ask = (symbol: string) => soap11(`<m:getQuote xmlns:m="urn:m"><m:symbol>${symbol}</m:symbol></m:getQuote>`);
  const gw = await startGateway({
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:limits cacheMaxBytes="300"/>${proxy('P', { in: '<cache/>', out: '<cache collector="true"/>', uri: backend.url })}</definitions>`,
  });
  try {
    // each answer is about 170 bytes: the first fits in 300, the second does not
    const a = await post(`${gw.url}/services/P`, ask('A'));
    const b = await post(`${gw.url}/services/P`, ask('B'));
    t.is(elementText(b.text, 'for'), 'B', 'the client gets the response it did not keep');
    t.true(a.text.length > 150 && a.text.length < 300, `an answer is ${a.text.length} bytes`);
    t.is(elementText((await post(`${gw.url}/services/P`, ask('A'))).text, 'n'), '1', 'the first is kept');
    t.is(elementText((await post(`${gw.url}/services/P`, ask('B'))).text, 'n'), '3', 'the second was not');
    t.is(backend.received.length, 3);
  } finally {
    await gw.close();
    await backend.close();
  }
});
