/**
 * Message stores kept in memory (WSO2's InMemoryStore), bounded: what `<store>` keeps and message
 * processors take out, in the order stored. A store holds at most `maxMessages` messages and
 * `maxBytes` bytes of envelopes (config/store-def.ts STORE_DEFAULTS, `moor:maxMessages`/`moor:maxBytes`);
 * past either, `<store>` fails with MOOR_ERR_STORE_FULL and nothing is kept. A reload keeps a store of
 * the same name with its messages (its new bounds apply to what comes next); a store the new
 * configuration no longer has is dropped with its messages (logged). Each process has its own stores:
 * with `--workers N`, each worker's `<store>` and processors use that worker's.
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

export class InMemoryMessageStore {
  private queue: StoredMessage[] = [];
  private held = 0;

  constructor(
    readonly name: string,
    private bounds: { readonly maxMessages: number; readonly maxBytes: number },
  ) {}

  get size(): number {
    return this.queue.length;
  }

  get bytes(): number {
    return this.held;
  }

  /** Keeps `m` last in line; throws MOOR_ERR_STORE_FULL when it would pass a bound. */
  add(m: StoredMessage): void {
    const { maxMessages, maxBytes } = this.bounds;
    if (this.queue.length + 1 > maxMessages || this.held + m.envelope.length > maxBytes) {
      throw new MoorError('MOOR_ERR_STORE_FULL', `message store "${this.name}" is full (${this.queue.length} messages, ${this.held} bytes; at most ${maxMessages} messages, ${maxBytes} bytes)`);
    }
    this.queue.push(m);
    this.held += m.envelope.length;
  }

  /** The first message, left in the store. */
  peek(): StoredMessage | undefined {
    return this.queue[0];
  }

  /** Takes the first message out. */
  take(): StoredMessage | undefined {
    const m = this.queue.shift();
    if (m) this.held -= m.envelope.length;
    return m;
  }

  /** Takes `m` out if it is still first (a delivered message). */
  remove(m: StoredMessage): void {
    if (this.queue[0] === m) this.take();
  }

  /** New bounds (a reload's), for what is stored from now on. */
  rebound(bounds: { readonly maxMessages: number; readonly maxBytes: number }): void {
    this.bounds = bounds;
  }
}

/** A runtime's stores by name; a reload's carries over those of the same name. */
export class MessageStores {
  private constructor(private readonly byName: ReadonlyMap<string, InMemoryMessageStore>) {}

  static create(defs: ReadonlyMap<string, MessageStoreDef>, log: Logger, replacing?: MessageStores): MessageStores {
    const byName = new Map<string, InMemoryMessageStore>();
    for (const [name, def] of defs) {
      const kept = replacing?.byName.get(name);
      kept?.rebound(def);
      byName.set(name, kept ?? new InMemoryMessageStore(name, def));
    }
    for (const [name, old] of replacing?.byName ?? []) {
      if (!byName.has(name) && old.size) log.warn(`message store "${name}" is gone from the configuration: its ${old.size} messages are dropped`, { component: 'store' });
    }
    return new MessageStores(byName);
  }

  get(name: string): InMemoryMessageStore | undefined {
    return this.byName.get(name);
  }
}

// (kept beside the link, as links.ts does: a `#private` field would appear in the published
// declarations, which a consumer compiling for ES5 refuses with TS18028)
const linkedStores = new WeakMap<StoreLink, InMemoryMessageStore | undefined>();

/** The store a `<store>` names, linked when the runtime is built (as links.ts links endpoints). */
export class StoreLink {
  constructor(readonly name: string) {}

  get store(): InMemoryMessageStore {
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
