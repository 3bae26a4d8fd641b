/**
 * `npx tsx bench/member-death.ts`: requests lost when one of three members dies under load, per
 * policy. A real gateway (in this process) balances over three demo cart backends on loopback; a fixed
 * number of clients send back to back; halfway through, one backend closes (its connections reset).
 * Counted: answers that were not 200. Run it under `flock /tmp/moor-bench.lock`; the machine is shared.
 */
import { request } from 'undici';
import { startCartBackend } from '../demo/cart-backend.ts';
import { silentLogger } from '../src/logging.ts';
import { Gateway } from '../src/server/gateway.ts';
import { configDir, definitions, soap11, addItem } from '../test/helpers/gateway.ts';

const CLIENTS = 16;
const RUN_MS = Number(process.env.RUN_MS ?? 3000);

const POLICIES: Record<string, (members: string) => string> = {
  'loadbalance roundRobin (failover="true", default)': (m) => `<loadbalance>${m}</loadbalance>`,
  'loadbalance leastActive': (m) => `<loadbalance algorithm="leastActive">${m}</loadbalance>`,
  'loadbalance failover="false"': (m) => `<loadbalance failover="false">${m}</loadbalance>`,
  failover: (m) => `<failover>${m}</failover>`,
};

async function run(name: string, body: (m: string) => string): Promise<string> {
  const backends = await Promise.all([1, 2, 3].map((i) => startCartBackend({ name: `m${i}`, port: 0 })));
  const members = backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`).join('');
  const dir = await configDir({ 'c.xml': definitions(`<endpoint name="G">${body(members)}</endpoint><proxy name="Cart"><target><endpoint key="G"/></target></proxy>`) });
  const gw = await Gateway.start({ config: dir, port: 0, host: '127.0.0.1', logger: silentLogger() });
  const url = `${gw.url}/services/Cart`;
  const envelope = soap11(addItem('x'));
  let ok = 0;
  let lost = 0;
  const end = Date.now() + RUN_MS;
  // failover sends everything to m1: kill the member that takes traffic in every policy
  setTimeout(() => void backends[0]!.close(), RUN_MS / 2);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        try {
          const r = await request(url, { method: 'POST', body: envelope, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' } });
          await r.body.text();
          if (r.statusCode === 200) ok++;
          else lost++;
        } catch {
          lost++;
        }
      }
    }),
  );
  await gw.close();
  await Promise.all(backends.slice(1).map((b) => b.close()));
  return `| ${name} | ${ok + lost} | ${lost} | ${((100 * lost) / (ok + lost)).toFixed(2)} % |`;
}

console.log(`${CLIENTS} clients, ${RUN_MS} ms, the busy member closed at ${RUN_MS / 2} ms\n`);
console.log('| policy | requests | not answered 200 | lost |\n| --- | --- | --- | --- |');
for (const [name, body] of Object.entries(POLICIES)) console.log(await run(name, body));
process.exit(0);
