/**
 * Which session store `moor start` runs with: `--store <url>`, else the configuration's
 * `<moor:store url>`, else the in-memory table. The store is chosen at start; a reload keeps it.
 */
import { readConfig } from '../config/load.ts';
import { ConfigError, ConfigErrors, MoorError } from '../errors.ts';
import { type Logger } from '../logging.ts';
import { type IpcChannel, IpcStore } from '../session/ipc-store.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { type SessionStore } from '../session/store.ts';
import { parseStoreUrl, type StoreTarget } from '../session/store-url.ts';

/** The store target named by `flag` or by the configuration at `configDir`. */
export async function storeTarget(flag: string | undefined, configDir: string): Promise<StoreTarget> {
  if (flag !== undefined) {
    try {
      return parseStoreUrl(flag);
    } catch (e) {
      throw new MoorError('MOOR_ERR_CLI_USAGE', `--store: ${(e as Error).message}`);
    }
  }
  // problems elsewhere in the configuration are reported when the gateway loads it
  const setting = (await readConfig(configDir)).settings?.store;
  if (!setting) return { kind: 'memory' };
  let target: StoreTarget;
  try {
    target = parseStoreUrl(setting.url);
  } catch (e) {
    throw new ConfigErrors([new ConfigError('MOOR_ERR_BAD_VALUE', setting.loc, `<moor:store url>: ${(e as Error).message}`)]);
  }
  if (!setting.durable) return target;
  // replicas confirm writes: the memory table has none
  if (target.kind === 'memory') throw new ConfigErrors([new ConfigError('MOOR_ERR_BAD_VALUE', setting.loc, '<moor:store durable="true"> needs a Redis store URL: the memory table has no replica to confirm a binding')]);
  return { ...target, durable: true };
}

/**
 * Opens the store for `target`. In a worker process (`inWorker`), the memory store is the primary's
 * table, reached over the cluster IPC channel, so that all workers agree on every binding.
 */
export async function openStore(target: StoreTarget, log: Logger, inWorker: boolean): Promise<SessionStore> {
  if (target.kind !== 'memory') {
    // said at once: the connection may take its whole wait (2 s) when Redis does not answer
    if (!inWorker) log.info(`session store: connecting to ${target.display}`, { component: 'session' });
    // (imported here: ioredis is not loaded by a gateway that does not use it)
    const { RedisStore } = await import('../session/redis-store.ts');
    return RedisStore.connect(target, { log });
  }
  return inWorker ? new IpcStore(process as IpcChannel) : new MemoryStore();
}

/** How the store is described at start. */
export function describeStore(target: StoreTarget): string {
  return target.kind === 'memory' ? 'memory' : target.display;
}
