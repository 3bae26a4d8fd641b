/**
 * The Redis store's key space: a binding is `<prefix><group>|<session key>`, a throttle counter
 * `<prefix>#throttle|<key>`, and an operator's listing walks them with SCAN (never KEYS, so Redis is
 * not blocked), on every primary of a Cluster, bounded. A file of its own because the walk is the one
 * operation of the store that is not a script on one key.
 */
import { Cluster, type Redis } from 'ioredis';
import { type Clock } from './clock.ts';
import { type Client, withTimeout } from './redis-client.ts';
import { type Binding } from './store.ts';
import { type RedisTarget } from './store-url.ts';

/** What the keys of throttle counters start with after the prefix (a group name holds no `|`, so no binding does). */
export const COUNTER_PREFIX = '#throttle|';

/** How many keys one SCAN step asks for. */
const SCAN_COUNT = 1000;
/** The most keys one listing looks at (a filter that matches few of many keys stops here, truncated). */
export const LIST_SCAN_BOUND = 100_000;

/** The glob (after the prefix) of the bindings of `group`, or of every binding. */
export function groupPattern(group: string | undefined): string {
  return group === undefined ? '*' : `${globEscape(group)}|*`;
}

/**
 * Walks the bindings whose key (after the prefix) matches the glob `pattern`, on every primary of a
 * Cluster, handing each to `visit` until it answers false or `bound` keys were looked at. True when
 * every key was visited.
 */
export async function scanBindings(client: Client, target: RedisTarget, clock: Clock, pattern: string, bound: number, visit: (b: Binding) => boolean): Promise<boolean> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const prefix = target.prefix;
  let looked = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await withTimeout(node.scan(cursor, 'MATCH', globEscape(prefix) + pattern, 'COUNT', SCAN_COUNT), target.timeoutMs);
      cursor = next;
      if (keys.length === 0) continue;
      const p = node.pipeline();
      for (const k of keys) p.get(k).pttl(k);
      const replies = (await withTimeout(p.exec(), target.timeoutMs)) ?? [];
      const now = clock.now();
      for (let i = 0; i < keys.length; i++) {
        const endpoint = replies[2 * i]?.[1];
        const pttl = Number(replies[2 * i + 1]?.[1]);
        // (a key that expired between SCAN and GET is gone: skipped; a throttle counter is no binding)
        if (typeof endpoint !== 'string' || pttl === -2 || keys[i]!.startsWith(prefix + COUNTER_PREFIX)) continue;
        if (looked++ === bound) return false;
        const b = { key: keys[i]!.slice(prefix.length), endpoint, expiresAt: pttl >= 0 ? now + pttl : Number.MAX_SAFE_INTEGER };
        if (!visit(b)) return false;
      }
    } while (cursor !== '0');
  }
  return true;
}

/** `text` with Redis glob characters escaped, to match itself only. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
