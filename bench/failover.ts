/**
 * `npx tsx bench/failover.ts`: what the session store's failures cost the clients of several gateway
 * nodes. Real `moor start` processes (3 by default) share a real store, three demo cart backends serve
 * client-created sessions (syn:ClientID), every message goes to a gateway picked at random; then the
 * store fails under that traffic:
 *
 *   outage    one redis-server, stopped, and started again (empty) once `--during` sessions were
 *             opened meanwhile (the plain outage of issue 16)
 *   sentinel  a primary, a replica and three Sentinels (down-after 1 s); the primary is killed (SIGKILL)
 *   cluster   three primaries with a replica each (node timeout 1 s); one primary is killed
 *
 * in plain or durable mode (`?durable=1`), with the <session> member choice of `--choose`. Reported per
 * scenario: requests sent and failed; short-lived sessions (`--messages` each) opened before, during and
 * after the failure and how many of them were served by two backends; the long-lived sessions (opened
 * before, used until the end) likewise; the time from the failure until every gateway says its store is
 * ok again (on the new primary). Phases are counted in sessions, not timed. Run it under
 * `flock /tmp/moor-bench.lock`; the machine is shared.
 *
 *   npx tsx bench/failover.ts [--scenario outage|sentinel|cluster]… [--mode plain|durable]…
 *       [--choose balance|hash|hashWhenDegraded]… [--gateways 3] [--clients 8] [--messages 6]
 *       [--long-lived 30] [--before 100] [--during 25] [--after 100] [--timeout-ms 1000]
 */
import { parseArgs } from 'node:util';
import { memberEndpoints, startBackends } from '../test/helpers/backends.ts';
import { configDir, definitions } from '../test/helpers/gateway.ts';
import { type GatewayProcess, startMoor } from '../test/helpers/processes.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { until } from '../test/helpers/redis-group.ts';
import { startSentinels } from '../test/helpers/redis-sentinel.ts';
import { type Phase, Traffic, type TrafficReport } from './failover-traffic.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    mode: { type: 'string', multiple: true },
    choose: { type: 'string', multiple: true },
    gateways: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    messages: { type: 'string', default: '6' },
    'long-lived': { type: 'string', default: '30' },
    before: { type: 'string', default: '100' },
    during: { type: 'string', default: '25' },
    after: { type: 'string', default: '100' },
    'timeout-ms': { type: 'string', default: '1000' },
  },
});
const n = (k: keyof typeof values): number => Number(values[k]);

type Scenario = 'outage' | 'sentinel' | 'cluster';

/** A store under test: its URL, and how it fails and comes back. */
interface Store {
  readonly url: string;
  /** Fails the store; resolves when the failure is done (the kill, or the stop). */
  fail(): Promise<void>;
  /** For a store that comes back only when told (outage): brings it back. */
  restore?(): Promise<void>;
  close(): Promise<void>;
}

async function startStore(scenario: Scenario): Promise<Store> {
  if (scenario === 'outage') {
    const r = await startRedis();
    return { url: `${r.url}/0`, fail: () => r.stop(), restore: () => r.start(), close: () => r.stop() };
  }
  if (scenario === 'sentinel') {
    const s = await startSentinels();
    return { url: `${s.url}/0`, fail: () => s.primary.kill(), close: () => s.close() };
  }
  const c = await startRedisCluster();
  const victim = (await c.primaries())[0]!;
  return { url: c.url, fail: () => victim.kill(), close: () => c.close() };
}

interface Result extends TrafficReport {
  readonly name: string;
  /** ms from the failure (outage: from the restart) until every gateway's store was ok again. */
  backMs: number;
}

async function health(g: GatewayProcess): Promise<string> {
  try {
    return ((await (await fetch(`${g.url}/_moor/health`)).json()) as { store: string }).store;
  } catch {
    return 'unreachable';
  }
}

async function run(scenario: Scenario, mode: string, choose: string): Promise<Result> {
  const name = `${scenario} ${mode} choose=${choose}`;
  const store = await startStore(scenario);
  const backends = await startBackends(3);
  const dir = await configDir({
    'cart.xml': definitions(
      `<endpoint name="Carts"><session type="simpleClientSession" choose="${choose}"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>` +
        '<proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>',
    ),
  });
  const query = `?timeoutMs=${values['timeout-ms']}${mode === 'durable' ? '&durable=1' : ''}`;
  const gateways = await Promise.all(Array.from({ length: n('gateways') }, () => startMoor(dir, ['--store', store.url + query])));
  try {
    await until('every gateway to be ok on the store', 30_000, async () => (await Promise.all(gateways.map(health))).every((h) => h === 'ok'));
    const traffic = new Traffic(
      gateways.map((g) => g.url),
      { clients: n('clients'), messages: n('messages'), longLived: n('long-lived'), tag: `${scenario}-${mode}-${choose}-${Date.now().toString(36)}` },
    );
    await traffic.start();
    const opened = (phase: Phase, count: number) => until(`${count} sessions opened ${phase} the failure`, 120_000, async () => traffic.opened(phase) >= count);
    await opened('before', n('before'));
    traffic.phase = 'during';
    let failedAt = Date.now();
    await store.fail();
    // every gateway notices (its connection closes, or a command fails) before it can be back
    await until('every gateway to notice the failure', 30_000, async () => (await Promise.all(gateways.map(health))).every((h) => h !== 'ok')).catch(() => undefined);
    if (store.restore) {
      await opened('during', n('during'));
      await store.restore();
      failedAt = Date.now();
    }
    await until('every gateway to be back on the store', 60_000, async () => (await Promise.all(gateways.map(health))).every((h) => h === 'ok')).catch(async (e: Error) => {
      for (const g of gateways) console.error(`gateway ${g.url}: store ${await health(g)}\n${g.output().split('\n').slice(-15).join('\n')}`);
      throw e;
    });
    const backMs = Date.now() - failedAt;
    traffic.phase = 'after';
    await opened('after', n('after'));
    return { name, backMs, ...(await traffic.stop()) };
  } finally {
    await Promise.all(gateways.map((g) => g.kill()));
    await Promise.all(backends.map((b) => b.close()));
    await store.close();
  }
}

const scenarios = (values.scenario ?? ['outage', 'sentinel', 'cluster']) as Scenario[];
const modes = values.mode ?? ['plain', 'durable'];
const chooses = values.choose ?? ['hashWhenDegraded'];
console.log(`failover report — ${n('gateways')} gateways, ${n('clients')} clients opening sessions of ${n('messages')} messages, ${n('long-lived')} long-lived sessions, timeoutMs ${values['timeout-ms']}\n`);
console.log('| scenario | requests | failed | before: split / sessions | during | after | long-lived | every gateway back after |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const scenario of scenarios) {
  for (const mode of scenario === 'outage' ? ['plain'] : modes) {
    for (const choose of chooses) {
      const r = await run(scenario, mode, choose);
      const pc = (p: { split: number; sessions: number }): string => `${p.split} / ${p.sessions}`;
      console.log(
        `| ${r.name} | ${r.sent} | ${r.failed}${r.firstFailure ? ` (${r.firstFailure.slice(0, 80)})` : ''} | ${pc(r.byPhase.before)} | ${pc(r.byPhase.during)} | ${pc(r.byPhase.after)} | ${pc(r.longLived)} | ${(r.backMs / 1000).toFixed(1)} s${scenario === 'outage' ? ' (from the restart)' : ''} |`,
      );
      for (const e of r.splitExamples) console.error(`  split: ${e}`);
    }
  }
}
