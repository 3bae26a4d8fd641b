/**
 * Deep-freezes a read configuration, so that a step which writes into it (as the compiler once wrote
 * its problems into `config.diag`) throws at once, in development and in tests, instead of leaking state
 * from one runtime or one message into the next. NODE_ENV=production skips the walk: there the
 * definitions are only read, as everywhere, and the load does not pay for a check.
 *
 * What is walked: plain objects and arrays, Maps and Sets (whose set/add/delete/clear are replaced by
 * ones that throw: Object.freeze does not reach their entries), and the classes a read configuration is
 * made of, which hold no cache they fill later (ConfigNode, Diagnostics, LineIndex). Anything else — a
 * RegExp (whose lastIndex a global match writes), a Buffer (which cannot be frozen), a user object — is
 * left as it is, and not walked into.
 */
import { LineIndex } from '../xml/positions.ts';
import { ConfigNode, Diagnostics } from './node.ts';

/** Whether load freezes what it read (everywhere but NODE_ENV=production). */
export function freezesDefinitions(): boolean {
  return process.env.NODE_ENV !== 'production';
}

const WALKED: ReadonlySet<object | null> = new Set([Object.prototype, Array.prototype, null, Map.prototype, Set.prototype, ConfigNode.prototype, Diagnostics.prototype, LineIndex.prototype]);

/** Freezes `value` and everything it holds that may be frozen (see above); gives `value`. */
export function deepFreeze<T>(value: T): T {
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v) || !WALKED.has(Object.getPrototypeOf(v) as object | null)) return;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, e] of v) {
        visit(k);
        visit(e);
      }
      // (one frozen already, by an earlier walk over a configuration it is part of, stays as it is)
      if (!Object.isFrozen(v)) sealEntries(v, ['set', 'delete', 'clear']);
    } else if (v instanceof Set) {
      for (const e of v) visit(e);
      if (!Object.isFrozen(v)) sealEntries(v, ['add', 'delete', 'clear']);
    }
    for (const key of Reflect.ownKeys(v)) visit((v as Record<PropertyKey, unknown>)[key]);
    Object.freeze(v);
  };
  visit(value);
  return value;
}

/** Freezes a table (a Map) and its entries' list: get and iteration as before, set/delete/clear throw. */
export function freezeTable<K, V>(table: ReadonlyMap<K, V>): void {
  if (Object.isFrozen(table)) return;
  sealEntries(table as Map<K, V>, ['set', 'delete', 'clear']);
  Object.freeze(table);
}

/** Replaces the writing methods of a Map or a Set by ones that throw, as a frozen object's writes do. */
function sealEntries(collection: Map<unknown, unknown> | Set<unknown>, methods: readonly string[]): void {
  for (const m of methods) {
    Object.defineProperty(collection, m, {
      value: () => {
        throw new TypeError(`Cannot ${m} on a frozen ${collection instanceof Map ? 'Map' : 'Set'}: a loaded configuration is read-only`);
      },
    });
  }
}
