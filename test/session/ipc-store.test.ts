/**
 * The IPC store of `--workers N`: workers' operations run in the primary's one table. Here both ends
 * run in one process over a channel pair that carries messages as Node's IPC does (JSON, on a later
 * turn), so what crosses it and how often can be counted. The primary's table is a real MemoryStore.
 */
import { EventEmitter } from 'node:events';
import test from 'ava';
import { type IpcChannel, IpcStore, serveStore } from '../../src/session/ipc-store.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { type SessionStore } from '../../src/session/store.ts';

/** One end of a channel: what it sends arrives at `peer` on a later turn, serialised as JSON. */
class End extends EventEmitter implements IpcChannel {
  peer!: End;
  sent = 0;
  /** When set, sending fails as it does once the other process is gone. */
  broken: Error | undefined;

  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    this.sent++;
    const wire = JSON.stringify(message);
    setImmediate(() => {
      if (this.broken) return callback?.(this.broken);
      this.peer.emit('message', JSON.parse(wire));
      callback?.(null);
    });
    return true;
  }
}

function channel(): { worker: End; primary: End } {
  const worker = new End();
  const primary = new End();
  worker.peer = primary;
  primary.peer = worker;
  return { worker, primary };
}

/** A primary serving `table` to `n` workers. */
function cluster(n: number, table: SessionStore = new MemoryStore(new ManualClock(1000), 0)) {
  const workers = Array.from({ length: n }, () => {
    const c = channel();
    serveStore(c.primary, table);
    return { store: new IpcStore(c.worker), end: c.worker };
  });
  return { table, workers };
}

test("a worker's operations of one turn travel in one message, and each gets its own answer", async (t) => {
  const { workers } = cluster(1);
  const w = workers[0]!;
  const [a, b, none] = await Promise.all([w.store.claim('G\0a', 'cart1', 60_000), w.store.claim('G\0b', 'cart2', 60_000), w.store.get('G\0c', 'sliding', 60_000)]);
  t.is(w.end.sent, 1);
  t.is(a.endpoint, 'cart1');
  t.is(b.endpoint, 'cart2');
  t.is(none, undefined);
  t.is((await w.store.get('G\0a', 'sliding', 60_000))?.endpoint, 'cart1');
  t.is(w.end.sent, 2);
});

test('claims from two workers at once are decided in the one table: the first writer wins for both', async (t) => {
  const { workers } = cluster(2);
  const [one, two] = await Promise.all([workers[0]!.store.claim('G\0s', 'cart1', 60_000), workers[1]!.store.claim('G\0s', 'cart2', 60_000)]);
  t.is(one.endpoint, two.endpoint);
});

test('rebind is compare-and-set across workers: a move from a member the session has left follows the other move', async (t) => {
  const { workers } = cluster(2);
  const [w1, w2] = [workers[0]!.store, workers[1]!.store];
  await w1.claim('G\0s', 'cart1', 60_000);
  t.is((await w1.rebind('G\0s', 'cart1', 'cart2', 60_000)).endpoint, 'cart2');
  t.is((await w2.rebind('G\0s', 'cart1', 'cart3', 60_000)).endpoint, 'cart2', 'w2 saw cart1 down too late: it follows');
});

test("a worker's read keeps its expiry: sliding renews the binding in the primary's table, absolute does not", async (t) => {
  const clock = new ManualClock(1000);
  const { workers } = cluster(1, new MemoryStore(clock, 0));
  const s = workers[0]!.store;
  await Promise.all([s.claim('G\0slide', 'cart1', 10_000), s.claim('G\0fixed', 'cart1', 10_000)]);
  clock.advance(6000);
  t.like(await s.get('G\0slide', 'sliding', 10_000), { endpoint: 'cart1', expiresAt: 17_000 });
  t.like(await s.get('G\0fixed', 'absolute', 10_000), { endpoint: 'cart1', expiresAt: 11_000 });
  clock.advance(6000);
  t.like(await s.get('G\0slide', 'sliding', 10_000), { endpoint: 'cart1' }, 'renewed at 6 s: alive at 12 s');
  t.is(await s.get('G\0fixed', 'absolute', 10_000), undefined, 'gone at 11 s');
});

test("operators' calls: list with and without filters, count, delete", async (t) => {
  const { workers } = cluster(1);
  const s = workers[0]!.store;
  await Promise.all([s.claim('G\0a', 'cart1', 60_000), s.claim('G\0b', 'cart2', 60_000), s.claim('H\0c', 'cart1', 60_000)]);
  t.is((await s.list({}, 10)).bindings.length, 3);
  t.deepEqual((await s.list({ endpoint: 'cart1' }, 10)).bindings.map((b) => b.key).sort(), ['G\0a', 'H\0c']);
  t.deepEqual((await s.list({}, 2)).truncated, true);
  const counts = await s.count(10);
  t.deepEqual(counts.byEndpoint, { cart1: 2, cart2: 1 });
  await s.delete('G\0a');
  t.is(await s.get('G\0a', 'sliding', 60_000), undefined);
});

test("a failure in the primary's store reaches the worker as the rejection of that operation only", async (t) => {
  const table = new MemoryStore(new ManualClock(1000), 0);
  const failing: SessionStore = Object.assign(Object.create(table) as SessionStore, {
    claim: (key: string, endpoint: string, ttl: number) => (key === 'bad' ? Promise.reject(new Error('table full')) : table.claim(key, endpoint, ttl)),
  });
  const { workers } = cluster(1, failing);
  const s = workers[0]!.store;
  const [bad, good] = await Promise.allSettled([s.claim('bad', 'cart1', 60_000), s.claim('good', 'cart1', 60_000)]);
  t.is(bad.status === 'rejected' && (bad.reason as Error).message, 'table full');
  t.is(good.status === 'fulfilled' && good.value.endpoint, 'cart1');
});

test('when the primary is gone, waiting operations fail with a message that says so; close fails the rest', async (t) => {
  const { worker } = channel();
  const store = new IpcStore(worker);
  worker.broken = new Error('channel closed');
  await t.throwsAsync(store.get('G\0a', 'sliding', 1000), { message: /the primary process holding the session table is gone: channel closed/ });
  const { worker: silent } = channel();
  // no primary serves this channel: the operation waits until the store is closed
  silent.peer.removeAllListeners();
  const waiting = new IpcStore(silent);
  const pending = waiting.claim('G\0a', 'cart1', 1000);
  await new Promise((r) => setImmediate(r));
  await waiting.close();
  await t.throwsAsync(pending, { message: /closed/ });
});
