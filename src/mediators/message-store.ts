/**
 * Message stores: what `<store>` keeps and message processors take out, in the order stored. This file
 * has what every store is (MessageStore) and the one kept in memory (WSO2's InMemoryStore); the one in
 * Redis, shared by several nodes, is server/redis-message-store.ts (it needs a Redis client, which
 * mediators/ does not import). A store holds at most `maxMessages` messages and
 * `maxBytes` bytes of envelopes (config/store-def.ts STORE_DEFAULTS, `moor:maxMessages`/`moor:maxBytes`);
 * past either, `<store>` fails with MOOR_ERR_STORE_FULL and nothing is kept. A reload keeps a store of
 * the same name with its messages (its new bounds apply to what comes next); a store the new
 * configuration no longer has is dropped with its messages (logged). Each process has its own in-memory
 * stores: with `--workers N`, each worker's `<store>` and processors use that worker's.
 */
import { type MessageStoreDef } from '../config/store-def.ts';
import { MoorError } from '../errors.ts';
import { type Logger } from '../logging.ts';
import { type SoapVersion } from '../xml/soap.ts';

/** A message as stored: its envelope, the headers that say what it is, its default-scope properties. */
export interface StoredMessage {
  readonly envelope: Buffer;
  readonly headers: ReadonlyMap<string, string>;
  readonly version: SoapVersion;
  readonly properties: ReadonlyMap<string, unknown>;
}

type Bounds = { readonly maxMessages: number; readonly maxBytes: number };

/**
 * The right to forward a store's messages, one node (and one processor) at a time: the in-memory store
 * grants it always; the Redis store to one holder at a time across nodes, for as long as it is renewed.
 */
export interface ForwardingTurn {
  /** True once the turn went to someone else (it was not renewed in time): stop after the message in hand. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** What `<store>` keeps messages in and processors take them out of (in memory, or Redis: server/redis-message-store.ts). */
export interface MessageStore {
  readonly name: string;
  /** Where it keeps its messages, for logs: `memory`, or the Redis URL without its password. */
  readonly location: string;
  /** Keeps `m` last in line; throws MOOR_ERR_STORE_FULL when it would pass a bound (Redis: MOOR_ERR_STORE_UNAVAILABLE when unreachable). */
  add(m: StoredMessage): Promise<void>;
  /** The first message, left in the store. */
  peek(): Promise<StoredMessage | undefined>;
  /** Takes `m` out if it is still first (a delivered message). */
  remove(m: StoredMessage): Promise<void>;
  /** Takes up to `n` messages out, first first. */
  take(n: number): Promise<StoredMessage[]>;
  /** How many messages it holds. */
  count(): Promise<number>;
  /** The turn to forward (`holder` names the taker, for logs); undefined while another holds it. */
  turn(holder: string): Promise<ForwardingTurn | undefined>;
  /** Whether the processor `name` was deactivated (on any node sharing the store). */
  deactivated(name: string): Promise<boolean>;
  /** Records the processor `name` as deactivated, or (a processor starting) active again. */
  setDeactivated(name: string, off: boolean): Promise<void>;
  /** Whether this store is still what `def` describes (a reload keeps it, with its messages, if so). */
  sameAs(def: MessageStoreDef): boolean;
  /** New bounds (a reload's), for what is stored from now on. */
  rebound(bounds: Bounds): void;
  /** Resolves true once the store answers (Redis: connected), or false after `waitMs`. */
  ready(waitMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const ALWAYS: ForwardingTurn = Object.freeze({ lost: false, release: () => Promise.resolve() });

export class InMemoryMessageStore implements MessageStore {
  readonly location = 'memory';
  private queue: StoredMessage[] = [];
  private held = 0;

  constructor(
    readonly name: string,
    private bounds: Bounds,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  get bytes(): number {
    return this.held;
  }

  add(m: StoredMessage): Promise<void> {
    const { maxMessages, maxBytes } = this.bounds;
    if (this.queue.length + 1 > maxMessages || this.held + m.envelope.length > maxBytes) {
      return Promise.reject(new MoorError('MOOR_ERR_STORE_FULL', `message store "${this.name}" is full (${this.queue.length} messages, ${this.held} bytes; at most ${maxMessages} messages, ${maxBytes} bytes)`));
    }
    this.queue.push(m);
    this.held += m.envelope.length;
    return Promise.resolve();
  }

  peek(): Promise<StoredMessage | undefined> {
    return Promise.resolve(this.queue[0]);
  }

  remove(m: StoredMessage): Promise<void> {
    if (this.queue[0] === m) this.shift();
    return Promise.resolve();
  }

  take(n: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    while (out.length < n) {
      const m = this.shift();
      if (!m) break;
      out.push(m);
    }
    return Promise.resolve(out);
  }

  count(): Promise<number> {
    return Promise.resolve(this.queue.length);
  }

  // (one process: its processors are the only takers, and a reload's start after the old ones stopped)
  turn(): Promise<ForwardingTurn> {
    return Promise.resolve(ALWAYS);
  }

  // (a deactivated processor is this process's own state: server/processors.ts keeps it)
  deactivated(): Promise<boolean> {
    return Promise.resolve(false);
  }

  setDeactivated(): Promise<void> {
    return Promise.resolve();
  }

  sameAs(def: MessageStoreDef): boolean {
    return def.redis === undefined;
  }

  private shift(): StoredMessage | undefined {
    const m = this.queue.shift();
    if (m) this.held -= m.envelope.length;
    return m;
  }

  rebound(bounds: Bounds): void {
    this.bounds = bounds;
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Makes the store of a Redis store's definition (server/redis-message-store.ts; the runtime passes it). */
export type RedisStoreFactory = (def: MessageStoreDef) => MessageStore;

/** A runtime's stores by name; a reload's carries over those of the same name. */
export class MessageStores {
  private constructor(
    private readonly byName: ReadonlyMap<string, MessageStore>,
    /** The stores of the runtime replaced that this one does not keep (closed once the old runtime is done). */
    private readonly dropped: readonly MessageStore[],
  ) {}

  /**
   * The stores of `defs`: a store of `replacing` that is still what its definition says is kept with
   * its messages. `redis` makes the Redis stores; without it (`moor test`'s harness) they are kept in
   * memory, as the harness's own.
   */
  static create(defs: ReadonlyMap<string, MessageStoreDef>, log: Logger, replacing?: MessageStores, redis?: RedisStoreFactory): MessageStores {
    const byName = new Map<string, MessageStore>();
    for (const [name, def] of defs) {
      const old = replacing?.byName.get(name);
      const kept = old?.sameAs(redis ? def : { ...def, redis: undefined }) ? old : undefined;
      kept?.rebound(def);
      byName.set(name, kept ?? (def.redis && redis ? redis(def) : new InMemoryMessageStore(name, def)));
    }
    const dropped: MessageStore[] = [];
    for (const [name, old] of replacing?.byName ?? []) {
      if (byName.get(name) === old) continue;
      dropped.push(old);
      if (old instanceof InMemoryMessageStore && old.size) log.warn(`message store "${name}" is gone from the configuration (or is now another kind): its ${old.size} messages are dropped`, { component: 'store' });
    }
    return new MessageStores(byName, dropped);
  }

  get(name: string): MessageStore | undefined {
    return this.byName.get(name);
  }

  /** Every store (the gateway connects them at start and closes them at the end). */
  all(): Iterable<MessageStore> {
    return this.byName.values();
  }

  /**
   * Waits, at most `waitMs`, for every store to answer (the gateway, before it listens, as it waits for
   * its session store); a store that does not is logged, and `<store>` into it fails until it does.
   */
  async ready(waitMs: number, log: Logger): Promise<void> {
    await Promise.all(
      [...this.byName.values()].map(async (s) => {
        if (!(await s.ready(waitMs))) log.warn(`message store "${s.name}": Redis at ${s.location} does not answer yet; <store> into it fails with MOOR_ERR_STORE_UNAVAILABLE, and its processors wait, until it does`, { component: 'store' });
      }),
    );
  }

  /** Closes the stores of the replaced runtime that this one did not keep. */
  async closeDropped(): Promise<void> {
    await Promise.all(this.dropped.map((s) => s.close()));
  }

  /** Closes every store. */
  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((s) => s.close()));
  }
}

// (kept beside the link, as links.ts does: a `#private` field would appear in the published
// declarations, which a consumer compiling for ES5 refuses with TS18028)
const linkedStores = new WeakMap<StoreLink, MessageStore | undefined>();

/** The store a `<store>` names, linked when the runtime is built (as links.ts links endpoints). */
export class StoreLink {
  constructor(readonly name: string) {}

  get store(): MessageStore {
    const store = linkedStores.get(this);
    if (!store) throw new MoorError('MOOR_ERR_MEDIATION', `message store "${this.name}" was not built at load time`);
    return store;
  }

  /** Links it to the store of its name in `stores` (once). */
  link(stores: MessageStores): void {
    if (linkedStores.has(this)) throw new Error('a store link is made once: this compilation belongs to another runtime');
    linkedStores.set(this, stores.get(this.name));
  }
}
