/**
 * A replicated Redis watched by Sentinel, for tests: a primary, a replica (redis-replica.ts) and three
 * Sentinels on free loopback ports, each Sentinel with its own config file in the group's temporary
 * folder (Sentinel rewrites it),
 * with failover timings small enough for a test (down after 1 s). `close` stops everything and removes
 * the folder.
 *
 * `startSentinels` resolves only once every Sentinel knows the replica and the two other Sentinels:
 * before that, a failover could not gather its quorum.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, type RedisServer } from './redis.ts';
import { ask, setUp, until } from './redis-group.ts';
import { replicaPair } from './redis-replica.ts';

/** The master name the Sentinels monitor. */
export const MASTER = 'moor';

export interface SentinelSetup {
  /** The server that was primary at the start (and the one a test kills). */
  readonly primary: RedisServer;
  readonly replica: RedisServer;
  readonly sentinels: readonly RedisServer[];
  /** `redis+sentinel://127.0.0.1:p1,…/moor` (append `/db?…` as needed). */
  readonly url: string;
  /** The address the Sentinels now name as master (after a failover, the promoted replica's). */
  masterPort(): Promise<number>;
  /** Resolves once every Sentinel names a master other than `port` (a failover away from it completed). */
  failedOver(port: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Timings of the monitored master (ms): detection after 1 s, a failover attempt at most every 3 s. */
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 3000;

/** Starts the primary, the replica and three Sentinels; register `close` with t.teardown. */
export function startSentinels(): Promise<SentinelSetup> {
  return setUp('sentinel', async (group) => {
    const { dir } = group;
    const { primary, replica } = await replicaPair(group);
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = path.join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `dir ${dir}`,
          `sentinel monitor ${MASTER} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${MASTER} ${FAILOVER_TIMEOUT_MS}`,
          `sentinel parallel-syncs ${MASTER} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(await group.launch(port, { sentinel: true, configFile: file }));
    }
    const masterOf = async (port: number): Promise<number | undefined> => {
      const reply = (await ask(port, (r) => r.call('SENTINEL', 'get-master-addr-by-name', MASTER)).catch(() => null)) as [string, string] | null;
      return reply ? Number(reply[1]) : undefined;
    };
    // each Sentinel must know the replica and the two others (hello messages, every 2 s) before a
    // failover can be voted on
    await until('the Sentinels to know the replica and each other', 30_000, async () => {
      const views = await Promise.all(
        sentinels.map((s) =>
          ask(s.port, async (r) => fields((await r.call('SENTINEL', 'master', MASTER)) as string[])).catch(() => ({}) as Record<string, string>),
        ),
      );
      return views.every((v) => v['num-slaves'] === '1' && v['num-other-sentinels'] === '2');
    });
    return {
      primary,
      replica,
      sentinels,
      url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${MASTER}`,
      masterPort: async () => (await masterOf(sentinels[0]!.port))!,
      async failedOver(port, timeoutMs = 30_000) {
        let now = port;
        await until(`a failover away from port ${port}`, timeoutMs, async () => {
          const ports = await Promise.all(sentinels.map((s) => masterOf(s.port)));
          now = ports[0] ?? port;
          return ports.every((p) => p !== undefined && p !== port && p === ports[0]);
        });
        return now;
      },
      close: group.close,
    };
  });
}

/** A flat `[name, value, …]` reply as an object. */
function fields(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
