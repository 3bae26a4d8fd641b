/**
 * One binding table for the worker processes of `moor start --workers N` with the memory store: the
 * table lives in the primary process, and each worker asks it over the cluster IPC channel. The
 * primary runs one operation at a time per message, so a claim stays atomic across workers exactly as
 * it is within one process.
 *
 *   worker → primary  { moor: 'store', id, op: 'get'|'claim'|'rebind'|'delete', args: [...] }
 *   primary → worker  { moor: 'store', id, result } | { moor: 'store', id, error }
 */
import { type Binding, type Expiry, type SessionStore } from './store.ts';

type Op = 'get' | 'claim' | 'rebind' | 'delete';

interface StoreRequest {
  readonly moor: 'store';
  readonly id: number;
  readonly op: Op;
  readonly args: readonly (string | number)[];
}

interface StoreReply {
  readonly moor: 'store';
  readonly id: number;
  readonly result?: Binding | null;
  readonly error?: string;
}

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
  private readonly pending = new Map<number, { resolve: (b: Binding | undefined) => void; reject: (e: Error) => void }>();
  private readonly listener = (m: unknown): void => this.onReply(m);

  constructor(private readonly channel: IpcChannel) {
    channel.on('message', this.listener);
  }

  get(key: string, expiry: Expiry, ttlMs: number): Promise<Binding | undefined> {
    return this.call('get', [key, expiry, ttlMs]);
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Binding> {
    return (await this.call('claim', [key, endpoint, ttlMs]))!;
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Binding> {
    return (await this.call('rebind', [key, from, to, ttlMs]))!;
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', [key]);
  }

  async close(): Promise<void> {
    this.channel.off('message', this.listener);
    for (const p of this.pending.values()) p.reject(new Error('the session store was closed'));
    this.pending.clear();
  }

  private call(op: Op, args: (string | number)[]): Promise<Binding | undefined> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: StoreRequest = { moor: 'store', id, op, args };
      this.channel.send(request, (e) => {
        if (!e) return;
        this.pending.delete(id);
        reject(new Error(`the primary process holding the session table is gone: ${e.message}`));
      });
    });
  }

  private onReply(m: unknown): void {
    if (!isMessage<StoreReply>(m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result ?? undefined);
  }
}

/** The primary's end: answers a worker's store requests from `store`. Returns a function that stops it. */
export function serveStore(worker: IpcChannel, store: SessionStore): () => void {
  const listener = (m: unknown): void => {
    if (!isMessage<StoreRequest>(m)) return;
    void run(store, m).then(
      (result) => worker.send({ moor: 'store', id: m.id, result: result ?? null } satisfies StoreReply, () => undefined),
      (e: unknown) => worker.send({ moor: 'store', id: m.id, error: (e as Error).message } satisfies StoreReply, () => undefined),
    );
  };
  worker.on('message', listener);
  return () => worker.off('message', listener);
}

function run(store: SessionStore, m: StoreRequest): Promise<Binding | undefined | void> {
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
  }
}

function isMessage<T extends { moor: 'store'; id: number }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && (m as { moor?: unknown }).moor === 'store' && typeof (m as { id?: unknown }).id === 'number';
}
