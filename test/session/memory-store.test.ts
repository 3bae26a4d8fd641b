import test from 'ava';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';

const TTL = 1000;

/** A store on a clock the test moves; no sweeper timer (expiry is checked on read). */
function store(): { s: MemoryStore; clock: ManualClock } {
  const clock = new ManualClock(10_000);
  return { s: new MemoryStore(clock, 0), clock };
}

test('claim: the first writer wins, later claims get the binding that holds', async (t) => {
  const { s, clock } = store();
  const first = await s.claim('k', 'cart1', TTL);
  t.deepEqual(first, { key: 'k', endpoint: 'cart1', expiresAt: 11_000 });
  clock.advance(10);
  t.deepEqual(await s.claim('k', 'cart2', TTL), first, 'the second claim neither moves nor extends the binding');
  t.deepEqual(await s.get('k', 'absolute', TTL), first);
  const concurrent = await Promise.all(['a', 'b', 'c'].map((ep) => s.claim('k2', ep, TTL)));
  t.deepEqual(new Set(concurrent.map((b) => b.endpoint)), new Set(['a']));
});

test('a binding expires when its time is up, not a millisecond earlier', async (t) => {
  const { s, clock } = store();
  await s.claim('k', 'cart1', TTL);
  clock.advance(TTL - 1);
  t.is((await s.get('k', 'absolute', TTL))?.endpoint, 'cart1');
  clock.advance(1);
  t.is(await s.get('k', 'absolute', TTL), undefined);
  t.is(await s.get('k', 'sliding', TTL), undefined, 'an expired binding is not revived by a sliding read');
  t.is((await s.claim('k', 'cart2', TTL)).endpoint, 'cart2', 'once expired, the key is free to claim again');
});

test('sliding expiry: every read extends the binding by the timeout', async (t) => {
  const { s, clock } = store();
  await s.claim('k', 'cart1', TTL);
  for (let i = 0; i < 5; i++) {
    clock.advance(TTL - 100);
    const b = await s.get('k', 'sliding', TTL);
    t.is(b?.endpoint, 'cart1', `read ${i + 1}`);
    t.is(b?.expiresAt, clock.now() + TTL);
  }
  clock.advance(TTL);
  t.is(await s.get('k', 'sliding', TTL), undefined, 'left alone for a whole timeout, it expires');
});

test('absolute expiry: reads do not extend the binding', async (t) => {
  const { s, clock } = store();
  const b = await s.claim('k', 'cart1', TTL);
  clock.advance(TTL - 100);
  t.is((await s.get('k', 'absolute', TTL))?.expiresAt, b.expiresAt);
  clock.advance(100);
  t.is(await s.get('k', 'absolute', TTL), undefined);
});

test('rebind is a compare-and-set: from the bound endpoint it moves, from a stale one it returns the current binding', async (t) => {
  const { s, clock } = store();
  await s.claim('k', 'cart1', TTL);
  clock.advance(100);
  const moved = await s.rebind('k', 'cart1', 'cart2', TTL);
  t.deepEqual(moved, { key: 'k', endpoint: 'cart2', expiresAt: clock.now() + TTL });
  // a second gateway request that also saw cart1 fail comes late: it must not move the session again
  const stale = await s.rebind('k', 'cart1', 'cart3', TTL);
  t.deepEqual(stale, moved);
  t.is((await s.get('k', 'absolute', TTL))?.endpoint, 'cart2');
  // concurrent rebinds from the same failed endpoint converge on one
  await s.claim('j', 'cart1', TTL);
  const all = await Promise.all(['cart2', 'cart3', 'cart4'].map((to) => s.rebind('j', 'cart1', to, TTL)));
  t.deepEqual(new Set(all.map((b) => b.endpoint)), new Set(['cart2']));
});

test('rebind of an unbound or expired key binds it', async (t) => {
  const { s, clock } = store();
  t.is((await s.rebind('new', 'cart1', 'cart2', TTL)).endpoint, 'cart2');
  await s.claim('old', 'cart1', TTL);
  clock.advance(TTL);
  t.is((await s.rebind('old', 'cart9', 'cart3', TTL)).endpoint, 'cart3', 'an expired binding is no obstacle');
});

test('delete forgets the binding; the key can then be claimed anew', async (t) => {
  const { s } = store();
  await s.claim('k', 'cart1', TTL);
  await s.claim('other', 'cart1', TTL);
  t.is(s.size, 2);
  await s.delete('k');
  t.is(await s.get('k', 'sliding', TTL), undefined);
  t.is(s.size, 1);
  t.is((await s.claim('k', 'cart2', TTL)).endpoint, 'cart2');
  await t.notThrowsAsync(s.delete('never-there'));
});

test('size counts live bindings only', async (t) => {
  const { s, clock } = store();
  await s.claim('a', 'cart1', TTL);
  clock.advance(500);
  await s.claim('b', 'cart1', TTL);
  t.is(s.size, 2);
  clock.advance(500);
  t.is(s.size, 1);
  clock.advance(500);
  t.is(s.size, 0);
  await s.close();
});
