/**
 * A Redis Cluster for tests: six `redis-server --cluster-enabled yes` on free loopback ports (each with
 * its own folder for nodes.conf, in one temporary folder), joined by
 * `redis-cli --cluster create … --cluster-replicas 1`: three primaries with a replica each, the slots
 * split over the primaries. A node that stops answering is failed over after 1 s
 * (`cluster-node-timeout 1000`; a replica may always take over: `cluster-replica-validity-factor 0`).
 * Reads are answered while the cluster is marked failed (`cluster-allow-reads-when-down yes`), as durable
 * bindings need (docs/sessions.md): without it no node answers a read from the primary's failure to
 * its replica's promotion.
 * `close` stops everything and removes the folder.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RedisServer } from './redis.ts';
import { ask, setUp, until } from './redis-group.ts';

const run = promisify(execFile);

export interface ClusterSetup {
  readonly servers: readonly RedisServer[];
  /** `redis+cluster://127.0.0.1:p1,…` with every node as a seed. */
  readonly url: string;
  /** The servers that are primaries now (after a failover, the promoted replica is one of them). */
  primaries(): Promise<RedisServer[]>;
  /** Resolves once every live node says cluster_state:ok and `port` is no longer a primary. */
  failedOver(port: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const NODE_TIMEOUT_MS = 1000;

/** Starts and forms the cluster; register `close` with t.teardown. */
export function startRedisCluster(): Promise<ClusterSetup> {
  return setUp('cluster', async (group) => {
    const { dir } = group;
    const servers: RedisServer[] = [];
    for (let i = 0; i < 6; i++) {
      const port = await clusterPort();
      const nodeDir = path.join(dir, String(port));
      await mkdir(nodeDir);
      servers.push(
        await group.launch(port, {
          cwd: nodeDir,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), '--cluster-replica-validity-factor', '0', '--cluster-allow-reads-when-down', 'yes'],
        }),
      );
    }
    await run(process.env.REDIS_CLI ?? 'redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    const live = (): RedisServer[] => servers.filter((s) => s.alive());
    const info = (s: RedisServer, command: string): Promise<string> => ask(s.port, (r) => r.call('CLUSTER', command) as Promise<string>).catch(() => '');
    const roles = async (): Promise<Map<number, 'primary' | 'replica'>> => {
      const out = new Map<number, 'primary' | 'replica'>();
      for (const s of live()) {
        const text = await info(s, 'NODES');
        const self = text.split('\n').find((l) => l.includes('myself'));
        if (self) out.set(s.port, self.includes('master') ? 'primary' : 'replica');
      }
      return out;
    };
    const stateOk = async (): Promise<boolean> => (await Promise.all(live().map((s) => info(s, 'INFO')))).every((t) => t.includes('cluster_state:ok'));
    await until('the cluster to form (cluster_state:ok on every node, three primaries)', 30_000, async () => (await stateOk()) && [...(await roles()).values()].filter((r) => r === 'primary').length === 3);
    // a replica that has not finished its first sync cannot take over
    await until('every replica to be in sync with its primary', 30_000, async () => {
      const r = await roles();
      const replicas = live().filter((s) => r.get(s.port) === 'replica');
      const links = await Promise.all(replicas.map((s) => ask(s.port, (c) => c.info('replication')).catch(() => '')));
      return replicas.length === 3 && links.every((t) => t.includes('master_link_status:up'));
    });
    return {
      servers,
      url: `redis+cluster://${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}`,
      primaries: async () => {
        const r = await roles();
        return live().filter((s) => r.get(s.port) === 'primary');
      },
      async failedOver(port, timeoutMs = 30_000) {
        await until(`the cluster to fail over from port ${port}`, timeoutMs, async () => {
          const r = await roles();
          return !r.has(port) && [...r.values()].filter((x) => x === 'primary').length === 3 && (await stateOk());
        });
      },
      close: group.close,
    };
  });
}

/** A free port whose cluster bus port (port + 10000) is free and valid too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535) continue;
    if (await isFree(port + 10000)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
