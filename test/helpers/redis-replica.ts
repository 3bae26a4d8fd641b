/**
 * A primary and one replica (`--replicaof`), for tests: what durable bindings are confirmed by, and
 * what Sentinel (redis-sentinel.ts) watches. Resolves once the replica is in sync.
 */
import { freePort, type RedisServer } from './redis.ts';
import { inSync, type ServerGroup, setUp } from './redis-group.ts';

export interface ReplicaPair {
  readonly primary: RedisServer;
  readonly replica: RedisServer;
}

/** Starts the pair in `group` (its processes are the group's). */
export async function replicaPair(group: ServerGroup): Promise<ReplicaPair> {
  const primary = await group.launch(await freePort());
  const replica = await group.launch(await freePort(), { args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  await inSync(replica.port);
  return { primary, replica };
}

/** A pair of its own; register `close` with t.teardown. */
export function startReplicaPair(): Promise<ReplicaPair & { close(): Promise<void> }> {
  return setUp('replica', async (group) => ({ ...(await replicaPair(group)), close: group.close }));
}
