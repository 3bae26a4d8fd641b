/**
 * The responses <cache> keeps: one table per finder, in this process only (as WSO2's cache is local to
 * each node), bounded three ways: the finder's `maxSize` entries (the oldest is dropped first), the
 * finder's `maxMessageSize` per response, and the `cacheMaxBytes` limit across every table of the
 * process (a response that does not fit once expired entries are dropped is not kept). Entries expire
 * after the finder's timeout (or the response's Cache-Control max-age, with enableCacheControl).
 */

/** A kept response. */
export interface CachedResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly storedAt: number;
  readonly expiresAt: number;
}

/** Every table of the process, weakly: a replaced configuration's tables go with it, and so do their bytes. */
const tables = new Set<WeakRef<ResponseTable>>();

/** Bytes kept by every live table of the process (for `cacheMaxBytes`). */
export function cachedBytes(): number {
  let sum = 0;
  for (const ref of tables) {
    const t = ref.deref();
    if (t) sum += t.bytes;
    else tables.delete(ref);
  }
  return sum;
}

export class ResponseTable {
  // (a Map keeps insertion order: the first key is the oldest entry)
  private readonly entries = new Map<string, CachedResponse>();
  /** Bytes of the responses this table keeps. */
  bytes = 0;

  constructor(
    private readonly maxSize: number,
    private readonly now: () => number = Date.now,
  ) {
    tables.add(new WeakRef(this));
  }

  /** The live response kept for `key`, if any (an expired one is dropped). */
  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.drop(key, e);
      return undefined;
    }
    return e;
  }

  /** Keeps `response` for `key` unless the process's cache is full; true when it was kept. */
  put(key: string, response: Omit<CachedResponse, 'storedAt'>, processMaxBytes: number): boolean {
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    if (cachedBytes() + response.body.length > processMaxBytes) this.dropExpired();
    if (cachedBytes() + response.body.length > processMaxBytes) return false;
    while (this.entries.size >= this.maxSize) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, CachedResponse];
      this.drop(oldestKey, oldest);
    }
    this.entries.set(key, { ...response, storedAt: this.now() });
    this.bytes += response.body.length;
    return true;
  }

  /** How many responses the table holds. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every entry (the configuration that owned the table was replaced). */
  clear(): void {
    for (const [k, e] of this.entries) this.drop(k, e);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.drop(k, e);
  }

  private drop(key: string, e: CachedResponse): void {
    this.entries.delete(key);
    this.bytes -= e.body.length;
  }
}
