import test from 'ava';
import fc from 'fast-check';
import { BindingTable } from '../../src/session/binding-table.ts';

/** One step of a random history the table and a Map model both go through. */
type Op =
  | { op: 'set'; key: string; endpoint: string; expiresAt: number }
  | { op: 'delete'; key: string }
  | { op: 'sweep'; now: number };

// few distinct keys, so that sets, deletes and re-sets of one key meet; some beyond ASCII
const key = fc.oneof(fc.constantFrom('a', 'b', 'ä', '会话', 'grp|s1', 'grp|s2', ''), fc.string({ maxLength: 40 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key, endpoint: fc.constantFrom('n1', 'n2', 'n3'), expiresAt: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const), now: fc.integer({ min: 0, max: 100 }) }) },
);

test('after any history of sets, deletes and sweeps the table holds what a Map would', (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const table = new BindingTable();
      const model = new Map<string, { endpoint: string; expiresAt: number }>();
      for (const o of ops) {
        if (o.op === 'set') {
          table.set(o.key, o.endpoint, o.expiresAt);
          model.set(o.key, { endpoint: o.endpoint, expiresAt: o.expiresAt });
        } else if (o.op === 'delete') {
          t.is(table.delete(o.key), model.delete(o.key));
        } else {
          table.sweep(o.now);
          for (const [k, v] of model) if (v.expiresAt <= o.now) model.delete(k);
        }
      }
      t.is(table.size, model.size);
      for (const [k, v] of model) {
        const e = table.find(k);
        t.true(e >= 0, `key ${JSON.stringify(k)} is found`);
        t.is(table.endpointOf(e), v.endpoint);
        t.is(table.expiryOf(e), v.expiresAt);
        t.is(table.keyOf(e), k);
      }
      const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      t.deepEqual([...table.entries()].sort(byKey), [...model].map(([k, v]) => ({ key: k, ...v })).sort(byKey));
    }),
    { numRuns: 300, seed: 17 },
  );
});

test('many keys, most then deleted: the survivors are found and the table keeps working', (t) => {
  const table = new BindingTable();
  for (let i = 0; i < 50_000; i++) table.set(`g|session-${i}`, `n${i % 3}`, i);
  table.sweep(40_000); // keys 0..40000 expire
  t.is(table.size, 9_999);
  t.is(table.find('g|session-39999'), -1);
  t.is(table.endpointOf(table.find('g|session-45001')), 'n1');
  for (let i = 0; i < 10_000; i++) table.set(`g|other-${i}`, 'n9', 1e6);
  t.is(table.size, 19_999);
  t.is(table.keyOf(table.find('g|other-9999')), 'g|other-9999');
  t.is(table.expiryOf(table.find('g|session-49999')), 49_999);
});
