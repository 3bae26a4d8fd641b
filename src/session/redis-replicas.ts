/**
 * Durable mode's reads while the primary is away: a binding that a client has seen is on a replica
 * (redis-durable.ts made sure of it), so a node that cannot reach the primary, and has never seen the
 * session itself, asks a replica before it routes the session as new. Between a primary's death and a
 * replica's promotion — the window in which nodes decide alone — every node still finds every
 * confirmed binding. Sentinel: a replica the Sentinels name (the one about to be promoted, typically);
 * Cluster: the replica of the key's slot (readable until the cluster marks the primary failed). A
 * single `redis://` server has no replica to name.
 */
import { type Logger } from '../logging.ts';
import { type Client, createClient, withTimeout } from './redis-client.ts';
import { type RedisTarget } from './store-url.ts';

export class ReplicaReads {
  readonly client: Client;
  /** Bindings found on a replica while the primary was away. */
  found = 0;

  constructor(
    private readonly target: RedisTarget,
    log: Logger,
  ) {
    this.client = createClient(target, true);
    this.client.on('error', (e: Error) => log.debug(`session store (replica reads): ${target.display}: ${e.message}`, { component: 'session' }));
  }

  /** The replicas that can be asked for a target, or undefined (one server). */
  static of(target: RedisTarget, log: Logger): ReplicaReads | undefined {
    return target.durable && target.kind !== 'redis' ? new ReplicaReads(target, log) : undefined;
  }

  /** `[endpoint, pttl]` of the key on a replica, or undefined when the replica lacks it or cannot answer. */
  async read(storeKey: string): Promise<[string, number] | undefined> {
    if (this.client.status !== 'ready') return undefined;
    try {
      const replies = (await withTimeout(this.client.pipeline().get(storeKey).pttl(storeKey).exec(), this.target.timeoutMs)) ?? [];
      const [get, ttl] = replies as [[Error | null, unknown]?, [Error | null, unknown]?];
      const endpoint = get?.[1];
      const pttl = ttl?.[1];
      if (!get || !ttl || get[0] || ttl[0] || typeof endpoint !== 'string') return undefined;
      this.found++;
      return [endpoint, Number(pttl)];
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.client.disconnect();
  }
}
