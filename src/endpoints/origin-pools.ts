/**
 * The outbound edge's connections: one undici keep-alive pool per backend origin, made at the first
 * send to it and let go when it is left with no connection and no work. This file and the exchange's
 * sends (outbound.ts) are the only users of undici's pools; it loads undici at the first pool.
 */
import type { Pool } from 'undici';
import { loadOnFirstUse } from '../commonjs.ts';

/**
 * undici, loaded when the first pool is made: commands that never send (`moor validate`, `moor test`,
 * in-process tests with mocks) do not pay for its ~110 modules.
 */
const loadUndici = loadOnFirstUse<typeof import('undici')>('undici');

/**
 * One keep-alive pool per backend origin: what an undici Agent keeps, without the Agent's layer on
 * every send (its dispatch wrapper, and the drain/connect events it re-emits with a new array each).
 */
export class OriginPools {
  private readonly pools = new Map<string, Pool>();
  private readonly poolOptions: Pool.Options;

  constructor(options: { connectTimeoutMs?: number; connections?: number } = {}) {
    this.poolOptions = {
      connect: { timeout: options.connectTimeoutMs ?? 5000 },
      keepAliveTimeout: 4000,
      connections: options.connections ?? 256,
      pipelining: 1,
    };
  }

  /** The pool of `origin`, made now if there is none. */
  of(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const created = new (loadUndici().Pool)(origin, this.poolOptions);
      // as an Agent does: a pool left with no connection and no work is closed and forgotten, so that
      // origins seen once (a WS-Addressing To, a backend gone from the configuration) do not pile up
      const release = (): void => {
        const s = created.stats;
        if (s.connected > 0 || s.pending > 0 || s.running > 0 || this.pools.get(origin) !== created) return;
        this.pools.delete(origin);
        void created.close();
      };
      created.on('disconnect', release).on('connectionError', release);
      this.pools.set(origin, (pool = created));
    }
    return pool;
  }

  /** How many origins hold a pool now. */
  get size(): number {
    return this.pools.size;
  }

  /** Closes idle connections. */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
