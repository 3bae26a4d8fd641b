/**
 * <script language="js"> end to end: a real gateway in front of real Cart backends (the `soap`
 * package) on loopback ports, with sticky sessions (simpleClientSession, the ClientID header). The
 * script rewrites each AddItem and sets the property a <filter> routes on; a script that loops forever
 * is stopped at its bound while other sessions' requests are answered; a script cannot reach the
 * process; a flood of messages to a slow script is refused past scriptQueueMax (503) while another
 * session is answered.
 */
import test, { type ExecutionContext } from 'ava';
import { GRACE_MS } from '../../src/mediators/script-pool.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, elementText, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';

const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const BOUND_MS = 500;
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

const SHOP = `<![CDATA[
  var payload = mc.getPayloadXML();
  if (payload.indexOf(">loop<") >= 0) { for (;;) {} }
  var item = /<c:item>([^<]*)<\\/c:item>/.exec(payload)[1];
  mc.setProperty("tier", item.indexOf("vip-") === 0 ? "gold" : "standard");
  mc.setPayloadXML('<c:AddItem xmlns:c="urn:moor:demo:cart"><c:item>' + item.toUpperCase() + '</c:item></c:AddItem>');
]]>`;

/** Proxy Shop (gold backend, or two standard members balanced with sessions) and proxy Reach. */
async function shop(t: ExecutionContext) {
  const [gold, a, b] = await startBackends(3);
  const standard = [a!, b!];
  const gw = await startGateway({
    'shop.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config">
  <moor:limits scriptTimeoutMs="${BOUND_MS}"/>
  <proxy name="Shop"><target>
    <inSequence>
      <script language="js">${SHOP}</script>
      <filter source="get-property('tier')" regex="gold">
        <then><send><endpoint><address uri="${gold!.url}"/></endpoint></send></then>
        <else><send><endpoint><session type="simpleClientSession"/><loadbalance>
          <endpoint><address uri="${a!.url}"/></endpoint><endpoint><address uri="${b!.url}"/></endpoint>
        </loadbalance></endpoint></send></else>
      </filter>
    </inSequence>
    <outSequence><send/></outSequence>
  </target></proxy>
  <proxy name="Reach"><target><inSequence>
    <script language="js"><![CDATA[
      var what = mc.getProperty("what", "transport");
      if (what === "require") require("fs").writeFileSync("/tmp/moor-script-escaped", "x");
      if (what === "process") process.exit(1);
      if (what === "constructor") (function () {}).constructor("return process")().exit(1);
    ]]></script>
    <respond/>
  </inSequence></target></proxy>
</definitions>`,
  });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([gold!, ...standard].map((x) => x.close()));
  });
  return { gw, gold: gold!, standard };
}

async function add(url: string, item: string, client: string) {
  const r = await post(url, soap11(addItem(item), clientId(client)), HEADERS);
  return { status: r.status, text: r.text, instance: elementText(r.text, 'instance'), items: elementText(r.text, 'items') };
}

test('the script rewrites each AddItem and sets the property <filter> routes on; sessions stay on their member', async (t) => {
  const { gw, gold, standard } = await shop(t);
  const url = `${gw.url}/services/Shop`;
  const first = await add(url, 'book', 'alice');
  t.is(first.status, 200, first.text);
  for (let i = 0; i < 3; i++) {
    const r = await add(url, 'pen', 'alice');
    t.is(r.instance, first.instance, 'alice stays on her member');
    t.is(r.items, ['BOOK', 'PEN', 'PEN', 'PEN'].slice(0, i + 2).join(','), 'the backend got the rewritten items');
  }
  const vip = await add(url, 'vip-lamp', 'alice');
  t.is(vip.instance, gold.name, 'the property the script set sent it to the gold backend');
  t.is(vip.items, 'VIP-LAMP');
  t.is(gold.served, 1);
  t.is(standard.reduce((n, s) => n + s.served, 0), 4);
});

test('a script that loops forever faults at its bound, while other sessions are answered meanwhile', async (t) => {
  const { gw } = await shop(t);
  const url = `${gw.url}/services/Shop`;
  const home = (await add(url, 'book', 'alice')).instance;
  const started = Date.now();
  let faultedAt: number | undefined;
  const looping = add(url, 'loop', 'alice').then((r) => {
    faultedAt = Date.now();
    return r;
  });
  // bob's requests, one after another, while alice's script loops
  const answeredMeanwhile: number[] = [];
  while (faultedAt === undefined && Date.now() - started < 10_000) {
    const r = await add(url, 'cup', 'bob');
    t.is(r.status, 200, r.text);
    if (faultedAt === undefined) answeredMeanwhile.push(Date.now() - started);
  }
  const fault = await looping;
  const took = faultedAt! - started;
  t.is(fault.status, 500);
  t.regex(fault.text, /ran longer than scriptTimeoutMs \(500 ms\)/);
  t.regex(fault.text, /MOOR_ERR_MEDIATION/);
  t.true(took >= BOUND_MS, `faulted after ${took} ms`);
  // (the script's own bound, its worker's watchdog, and a busy shared machine's scheduling)
  t.true(took < BOUND_MS + GRACE_MS + 2000, `faulted after ${took} ms`);
  t.true(answeredMeanwhile.length >= 1, `bob was answered ${answeredMeanwhile.length} times while alice's script ran (at ${answeredMeanwhile.join(', ')} ms)`);
  t.log(`alice's fault after ${took} ms; bob answered ${answeredMeanwhile.length} times meanwhile`);
  const after = await add(url, 'pen', 'alice');
  t.is(after.status, 200);
  t.is(after.instance, home, "alice's session is where it was");
  t.is(after.items, 'BOOK,PEN', 'the looping message never reached the backend');
});

test('a script that tries require, process or the constructor chain fails with a fault; the gateway stays up', async (t) => {
  const { gw } = await shop(t);
  for (const what of ['require', 'process', 'constructor']) {
    const r = await post(`${gw.url}/services/Reach`, soap11('<x/>'), { ...HEADERS, what });
    t.is(r.status, 500, what);
    t.regex(r.text, /ReferenceError: '?(require|process)'? is not defined|ReferenceError/, what);
  }
  const ok = await post(`${gw.url}/services/Reach`, soap11('<x/>'), { ...HEADERS, what: 'nothing' });
  t.is(ok.status, 200);
});


// (serial: the script threads are the process's, and this test fills them, which the others would feel)
test.serial('a flood of messages to a slow script: past scriptQueueMax they are refused at once with a 503 fault in their SOAP version, while another session is answered', async (t) => {
  const [backend] = await startBackends(1);
  const SLOW_MS = 1500;
  const gw = await startGateway({
    'slow.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config">
  <moor:limits scriptTimeoutMs="5000" scriptQueueMax="2"/>
  <proxy name="Slow"><target><inSequence>
    <script language="js"><![CDATA[ var t0 = Date.now(); while (Date.now() - t0 < ${SLOW_MS}) {} ]]></script>
    <respond/>
  </inSequence></target></proxy>
  <proxy name="Cart"><target>
    <inSequence><send><endpoint><session type="simpleClientSession"/><loadbalance><endpoint><address uri="${backend!.url}"/></endpoint></loadbalance></endpoint></send></inSequence>
    <outSequence><send/></outSequence>
  </target></proxy>
</definitions>`,
  });
  t.teardown(async () => {
    await gw.close();
    await backend!.close();
  });
  const slow = `${gw.url}/services/Slow`;
  // both threads ready and warm: two runs at once
  await Promise.all([post(slow, soap11('<w/>')), post(slow, soap11('<w/>'))]);
  const started = Date.now();
  const timed = (p: ReturnType<typeof post>) => p.then((r) => ({ ...r, at: Date.now() - started }));
  // 2 run, 2 wait, the others find the queue full
  let full!: () => void;
  const queueFull = new Promise<void>((r) => (full = r));
  const flood = Array.from({ length: 8 }, (_, i) => timed(post(slow, soap11(`<n>${i}</n>`))).then((r) => (r.status === 503 && full(), r)));
  // once one was refused the queue stays full until a run ends, SLOW_MS after it started
  await queueFull;
  const v12 = await timed(post(slow, soap12('<n>v12</n>'), { 'content-type': 'application/soap+xml; charset=utf-8' }));
  const bob = await timed(post(`${gw.url}/services/Cart`, soap11(addItem('cup'), clientId('bob')), HEADERS));
  const all = await Promise.all(flood);
  const ok = all.filter((r) => r.status === 200);
  const refused = all.filter((r) => r.status === 503);
  t.is(ok.length + refused.length, 8, all.map((r) => `${r.status} ${r.text}`).join('\n'));
  t.true(ok.length >= 2 && ok.length <= 4, `${ok.length} ran: the two threads' and at most the two waiting`);
  t.true(refused.length >= 4, `${refused.length} refused`);
  const firstDone = Math.min(...ok.map((r) => r.at));
  for (const r of refused) {
    t.regex(r.text, /<faultcode>[^<]*Server<\/faultcode>/);
    t.regex(r.text, /MOOR_ERR_SCRIPT_BUSY/);
    t.regex(r.text, /scriptQueueMax/);
    t.true(r.at < firstDone, `refused at ${r.at} ms, before the first run ended (${firstDone} ms): at once, not after waiting`);
  }
  t.is(v12.status, 503, v12.text);
  t.regex(String(v12.headers['content-type']), /application\/soap\+xml/);
  t.regex(v12.text, /http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/);
  t.regex(v12.text, /Receiver/);
  t.regex(v12.text, /MOOR_ERR_SCRIPT_BUSY/);
  t.is(bob.status, 200, bob.text);
  t.true(bob.at < firstDone, `bob was answered at ${bob.at} ms, while the scripts ran (first done at ${firstDone} ms)`);
  // the queue drains: a script runs again once the flood is over
  t.is((await post(slow, soap11('<after/>'))).status, 200);
});
