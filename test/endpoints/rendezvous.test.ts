/**
 * Choosing a new session's member by rendezvous hash (GroupEndpoint.membersForNewSession with a key):
 * two nodes agree on every key without talking, the keys spread over the members by weight, a member
 * that leaves moves only its own sessions, and draining, excluded and suspended members are treated as
 * the balancing order treats them.
 */
import test from 'ava';
import fc from 'fast-check';
import { type GroupDef } from '../../src/config/endpoint-def.ts';
import { type Endpoint } from '../../src/endpoints/endpoint.ts';
import { GroupEndpoint } from '../../src/endpoints/group.ts';
import { type MessageContext } from '../../src/message/context.ts';
import { ManualClock } from '../../src/session/clock.ts';

function member(id: string, state: { draining?: boolean; down?: boolean } = {}): Endpoint {
  return {
    id,
    label: id,
    draining: state.draining ?? false,
    inFlight: 0,
    available: () => !state.draining && !state.down,
    send: () => Promise.resolve({} as MessageContext),
    *leaves() {
      yield this;
    },
  };
}

function group(members: Endpoint[], weights = members.map(() => 1)): GroupEndpoint {
  const def: GroupDef = { kind: 'loadbalance', loc: { file: 't.xml', line: 1, col: 1 }, name: 'G', algorithm: 'roundRobin', failover: true, dynamic: true, members: [], session: undefined, draining: false };
  return new GroupEndpoint(def, members, weights, new ManualClock());
}

const ids = ['cart1@http://10.0.0.1/Cart', 'cart2@http://10.0.0.2/Cart', 'cart3@http://10.0.0.3/Cart'];
const first = (g: GroupEndpoint, key: string, exclude?: ReadonlySet<Endpoint>): string | undefined => g.membersForNewSession(exclude, key)[0]?.id;

test('two nodes with the same members choose the same member for every key, whatever their balancing state', (t) => {
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 50 }), fc.nat(10), (keys, turns) => {
      const a = group(ids.map((id) => member(id)));
      const b = group(ids.map((id) => member(id)));
      // node b has balanced other traffic meanwhile: its round-robin position differs
      for (let i = 0; i < turns; i++) b.candidates();
      for (const k of keys) if (first(a, k) !== first(b, k)) return false;
      return true;
    }),
  );
  t.pass();
});

test('keys spread over the members, in proportion to their weights', (t) => {
  const count = (g: GroupEndpoint): Map<string, number> => {
    const c = new Map<string, number>();
    for (let i = 0; i < 6000; i++) c.set(first(g, `session-${i}`)!, (c.get(first(g, `session-${i}`)!) ?? 0) + 1);
    return c;
  };
  const even = count(group(ids.map((id) => member(id))));
  for (const id of ids) t.true(even.get(id)! > 1700 && even.get(id)! < 2300, `${id}: ${even.get(id)} of 6000`);
  const weighted = count(group(ids.map((id) => member(id)), [2, 1, 1]));
  t.true(weighted.get(ids[0]!)! > 2700 && weighted.get(ids[0]!)! < 3300, `weight 2 of 4: ${weighted.get(ids[0]!)} of 6000`);
});

test('a member that is excluded, down or draining moves only the sessions it would have had', (t) => {
  const up = group(ids.map((id) => member(id)));
  const all = ids.map((id) => member(id));
  const withExcluded = group(all);
  const downGroup = group([member(ids[0]!), member(ids[1]!, { down: true }), member(ids[2]!)]);
  const drainingGroup = group([member(ids[0]!), member(ids[1]!, { draining: true }), member(ids[2]!)]);
  let moved = 0;
  for (let i = 0; i < 3000; i++) {
    const k = `s${i}`;
    const before = first(up, k)!;
    for (const after of [first(withExcluded, k, new Set([all[1]!])), first(downGroup, k), first(drainingGroup, k)]) {
      t.not(after, ids[1], 'never the member that left');
      if (before !== ids[1]) t.is(after, before, `${k} stays where it was`);
    }
    if (before === ids[1]) moved++;
  }
  t.true(moved > 800 && moved < 1200, `only the left member's third moved (${moved})`);
});

test('a member that is down is still a last resort, after those that are up; a draining one never', (t) => {
  const g = group([member(ids[0]!, { down: true }), member(ids[1]!, { draining: true }), member(ids[2]!)]);
  for (let i = 0; i < 50; i++) t.deepEqual(g.membersForNewSession(undefined, `k${i}`).map((m) => m.id), [ids[2], ids[0]]);
});
