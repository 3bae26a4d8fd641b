/**
 * One binding table for the worker processes of `moor start --workers N` with the memory store: the
 * table lives in the primary process, and each worker asks it over the cluster IPC channel. The
 * primary runs the operations one at a time, so a claim stays atomic across workers exactly as it is
 * within one process.
 *
 * A worker sends the operations of one event-loop turn in one message, and gets their answers in one:
 * a message per operation would cost each routed request an IPC write and a read on both sides.
 *
 *   worker → primary  { moor: 'store', batch: [{ id, op: 'get'|'claim'|'rebind'|'delete'|'list'|'count'|'hit', args: [...] }, …] }
 *   primary → worker  { moor: 'store', replies: [{ id, result } | { id, error }, …] }
 */
import { TurnBatch } from './turn-batch.ts';
import { type Binding, type BindingCounts, type BindingFilter, type BindingPage, type CounterHit, type CounterRule, type Expiry, type SessionStore } from './store.ts';

type Op = 'get' | 'claim' | 'rebind' | 'delete' | 'list' | 'count' | 'hit';

interface StoreRequest {
  readonly id: number;
  readonly op: Op;
  readonly args: readonly (string | number | null)[];
}

/** What an operation answers: a binding (or none), an operator's listing or counts, or a throttle counter. */
type StoreResult = Binding | BindingPage | BindingCounts | CounterHit | undefined;

interface StoreReply {
  readonly id: number;
  readonly result?: Exclude<StoreResult, undefined> | null;
  readonly error?: string;
}

/** What travels over the channel. */
type StoreMessage = { readonly moor: 'store'; readonly batch: readonly StoreRequest[] } | { readonly moor: 'store'; readonly replies: readonly StoreReply[] };

/** The two ends of an IPC channel as both `process` (in a worker) and a cluster Worker offer them. */
export interface IpcChannel {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** The worker's end: a SessionStore whose every operation runs in the primary. */
export class IpcStore implements SessionStore {
  readonly health = 'ok' as const;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: StoreResult) => void; reject: (e: Error) => void }>();
  private readonly listener = (m: unknown): void => this.onReply(m);

  constructor(private readonly channel: IpcChannel) {
    channel.on('message', this.listener);
  }

  get(key: string, expiry: Expiry, ttlMs: number): Promise<Binding | undefined> {
    return this.call('get', [key, expiry, ttlMs]) as Promise<Binding | undefined>;
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Binding> {
    return (await this.call('claim', [key, endpoint, ttlMs])) as Binding;
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Binding> {
    return (await this.call('rebind', [key, from, to, ttlMs])) as Binding;
  }

  async list(filter: BindingFilter, limit: number): Promise<BindingPage> {
    return (await this.call('list', [filter.group ?? null, filter.endpoint ?? null, limit])) as BindingPage;
  }

  async count(limit: number): Promise<BindingCounts> {
    return (await this.call('count', [limit])) as BindingCounts;
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', [key]);
  }

  async hit(key: string, rule: CounterRule): Promise<CounterHit> {
    return (await this.call('hit', [key, rule.max, rule.windowMs, rule.prohibitMs])) as CounterHit;
  }

  async close(): Promise<void> {
    this.channel.off('message', this.listener);
    for (const p of this.pending.values()) p.reject(new Error('the session store was closed'));
    this.pending.clear();
  }

  /** The operations of this turn, sent together at its end. */
  private readonly outbox = new TurnBatch<StoreRequest>((batch) => this.flush(batch));

  private call(op: Op, args: (string | number | null)[]): Promise<StoreResult> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox.add({ id, op, args });
    });
  }

  private flush(batch: StoreRequest[]): void {
    this.channel.send({ moor: 'store', batch } satisfies StoreMessage, (e) => {
      if (!e) return;
      for (const r of batch) {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.reject(new Error(`the primary process holding the session table is gone: ${e.message}`));
      }
    });
  }

  private onReply(m: unknown): void {
    if (!isStoreMessage(m) || !('replies' in m)) return;
    for (const r of m.replies) {
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if (r.error !== undefined) p.reject(new Error(r.error));
      else p.resolve(r.result ?? undefined);
    }
  }
}

/** The primary's end: answers a worker's store requests from `store`. Returns a function that stops it. */
export function serveStore(worker: IpcChannel, store: SessionStore): () => void {
  const listener = (m: unknown): void => {
    if (!isStoreMessage(m) || !('batch' in m)) return;
    // (run in order: each operation is atomic in the table, as within one process)
    void Promise.all(
      m.batch.map((r) =>
        run(store, r).then(
          (result): StoreReply => ({ id: r.id, result: result ?? null }),
          (e: unknown): StoreReply => ({ id: r.id, error: (e as Error).message }),
        ),
      ),
    ).then((replies) => worker.send({ moor: 'store', replies } satisfies StoreMessage, () => undefined));
  };
  worker.on('message', listener);
  return () => worker.off('message', listener);
}

function run(store: SessionStore, m: StoreRequest): Promise<StoreResult | void> {
  const a = m.args;
  switch (m.op) {
    case 'get':
      return Promise.resolve(store.get(String(a[0]), a[1] === 'absolute' ? 'absolute' : 'sliding', Number(a[2])));
    case 'claim':
      return store.claim(String(a[0]), String(a[1]), Number(a[2]));
    case 'rebind':
      return store.rebind(String(a[0]), String(a[1]), String(a[2]), Number(a[3]));
    case 'delete':
      return store.delete(String(a[0]));
    case 'list':
      return store.list({ group: a[0] === null ? undefined : String(a[0]), endpoint: a[1] === null ? undefined : String(a[1]) }, Number(a[2]));
    case 'count':
      return store.count(Number(a[0]));
    case 'hit':
      return store.hit(String(a[0]), { max: Number(a[1]), windowMs: Number(a[2]), prohibitMs: Number(a[3]) });
  }
}

function isStoreMessage(m: unknown): m is StoreMessage {
  if (typeof m !== 'object' || m === null || (m as { moor?: unknown }).moor !== 'store') return false;
  return Array.isArray((m as { batch?: unknown }).batch) || Array.isArray((m as { replies?: unknown }).replies);
}
