import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);

test('runs the named sequence in place; what it sets is seen after it', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(
      proxy('P', { in: `<sequence key="stamp"/><property name="X-After" scope="transport" expression="concat('after-', $ctx:stamp)"/>`, uri: backend.url }) +
        `<sequence name="stamp"><property name="stamp" value="s1"/><property name="X-Stamp" scope="transport" value="s1"/></sequence>`,
    ),
  });
  try {
    await post(`${gw.url}/services/P`, ping);
    t.is(backend.received[0]!.headers['x-stamp'], 's1');
    t.is(backend.received[0]!.headers['x-after'], 'after-s1');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test("a stop inside the named sequence stops its caller", async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'p.xml': definitions(proxy('P', { in: `<sequence key="gate"/><send/>`, uri: backend.url }) + `<sequence name="gate"><drop/></sequence>`),
  });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    t.is(res.status, 202);
    t.is(backend.received.length, 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a key that names nothing, and a cycle, are configuration errors', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'p.xml': definitions(proxy('P', { in: `\n<sequence key="stmap"/>` }) + `\n<sequence name="stamp"><sequence key="loop"/></sequence>\n<sequence name="loop"><sequence key="stamp"/></sequence>`),
    }),
  );
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_UNRESOLVED_KEY no sequence named "stmap".*did you mean "stamp"/);
  t.regex(lines, /MOOR_ERR_SEQUENCE_CYCLE sequences call each other in a cycle/);
});
