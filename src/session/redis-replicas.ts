/**
 * Durable mode's reads while the primary is away: a binding that a client has seen is on a replica
 * (redis-durable.ts made sure of it), so a node that cannot reach the primary, and has never seen the
 * session itself, asks a replica before it routes the session as new. Between a primary's death and
 * the moment a node is back on the promoted replica — the window in which nodes decide alone — every
 * node still finds every confirmed binding.
 *
 * - Sentinel: a direct connection to a replica the Sentinels name, by address, not through Sentinel's
 *   role lookup: when Sentinel promotes that replica it closes its clients, and the connection comes
 *   back to the same address (now the new primary, with every binding) within 100 ms, while a lookup
 *   by role would find no replica left at all. The address is asked again whenever the store is back
 *   on a primary ({@link ReplicaReads.refresh}), so it follows the topology.
 * - Cluster: the replica of the key's slot, by address, from a slot map learnt while the cluster was
 *   healthy (redis-cluster-replicas.ts says why not ioredis's `scaleReads`).
 * - A single `redis://` server names no replica: nothing to read.
 */
import { type Redis } from 'ioredis';
import { type Logger } from '../logging.ts';
import { ClusterReplicas } from './redis-cluster-replicas.ts';
import { askOnce, directClient, withTimeout } from './redis-client.ts';
import { type RedisTarget } from './store-url.ts';

export class ReplicaReads {
  /** Sentinel: the connection to the replica the Sentinels named. */
  private client: Redis | undefined;
  private address = '';
  /** Cluster: the replica of each slot range. */
  private readonly cluster: ClusterReplicas | undefined;
  /** Reads waiting for a connection to come back, by connection. */
  private readonly waiting = new Map<Redis, Promise<boolean>>();
  /** Bindings found on a replica while the primary was away. */
  found = 0;

  private constructor(
    private readonly target: RedisTarget,
    private readonly log: Logger,
  ) {
    if (target.kind === 'cluster') this.cluster = new ClusterReplicas(target, log);
    void this.refresh();
  }

  /** The replica reads of a durable Sentinel or Cluster target; undefined otherwise. */
  static of(target: RedisTarget, log: Logger): ReplicaReads | undefined {
    return target.durable && target.kind !== 'redis' ? new ReplicaReads(target, log) : undefined;
  }

  /**
   * Learns the replicas anew (the store is back on a healthy primary, perhaps a promoted one). Sentinel:
   * connects to a replica the Sentinels name now, if it is not the one connected already.
   */
  async refresh(): Promise<void> {
    if (this.cluster) return this.cluster.refresh();
    if (this.target.kind !== 'sentinel') return;
    const replica = await this.namedReplica();
    if (!replica || `${replica.host}:${replica.port}` === this.address) return;
    this.client?.disconnect();
    this.address = `${replica.host}:${replica.port}`;
    this.watch((this.client = directClient(this.target, replica)));
  }

  /** `[endpoint, pttl]` of the key on a replica, or undefined when the replica lacks it or cannot answer. */
  async read(storeKey: string): Promise<[string, number] | undefined> {
    const client = this.cluster ? this.cluster.clientFor(storeKey) : this.client;
    if (!client || !(await this.ready(client))) return undefined;
    try {
      const replies = (await withTimeout(client.pipeline().get(storeKey).pttl(storeKey).exec(), this.target.timeoutMs)) ?? [];
      const [get, ttl] = replies as [[Error | null, unknown]?, [Error | null, unknown]?];
      const endpoint = get?.[1];
      if (!get || !ttl || get[0] || ttl[0] || typeof endpoint !== 'string') return undefined;
      this.found++;
      return [endpoint, Number(ttl[1])];
    } catch {
      return undefined;
    }
  }

  /**
   * True once `client` is connected; a client that is reconnecting (Sentinel closes every client of the
   * replica it promotes) is waited for, at most one command timeout, by every read at once.
   */
  private ready(client: Redis): Promise<boolean> {
    if (client.status === 'ready') return Promise.resolve(true);
    if (client.status === 'end') return Promise.resolve(false);
    let waiting = this.waiting.get(client);
    if (!waiting) {
      waiting = new Promise<boolean>((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          client.off('ready', onReady);
          this.waiting.delete(client);
          resolve(ok);
        };
        const onReady = (): void => done(true);
        const timer = setTimeout(() => done(false), this.target.timeoutMs);
        client.once('ready', onReady);
      });
      this.waiting.set(client, waiting);
    }
    return waiting;
  }

  close(): void {
    this.client?.disconnect();
    this.cluster?.close();
  }

  private watch(client: Redis): void {
    client.on('error', (e: Error) => this.log.debug(`session store (replica reads): ${this.target.display}: ${e.message}`, { component: 'session' }));
  }

  /** The first replica that a Sentinel lists as up, asked of each Sentinel in turn. */
  private async namedReplica(): Promise<{ host: string; port: number } | undefined> {
    for (const s of this.target.hosts) {
      let replicas: string[][];
      try {
        replicas = await askOnce(s, this.target.tls ? { tls: {} } : {}, (r) => r.call('SENTINEL', 'replicas', this.target.master ?? 'mymaster') as Promise<string[][]>);
      } catch {
        continue; // the next Sentinel may answer
      }
      for (const flat of replicas) {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
        if (!/s_down|o_down|disconnected/.test(f.get('flags') ?? '')) return { host: f.get('ip')!, port: Number(f.get('port')) };
      }
      return undefined;
    }
    return undefined;
  }
}
