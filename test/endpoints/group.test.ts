/**
 * A group on its own: which members a new session may take, and the "try members in order" loop —
 * on to the next member only after a failure that left the backend untouched.
 */
import test from 'ava';
import { answeredBy, groupOf, member, request } from '../helpers/members.ts';

/** What the loop reads of a message: whether its body can be sent again. */
const message = (replayable = true) => {
  const m = request();
  if (!replayable) Object.defineProperty(m.body, 'replayable', { value: false });
  return m;
};

test('a new session is never given a draining member, nor one excluded', (t) => {
  const [a, b, c] = [member('a'), member('b', 'answer', { draining: true }), member('c')];
  const g = groupOf([a, b, c], { kind: 'failover' });
  t.deepEqual(g.membersForNewSession().map((m) => m.id), ['a', 'c']);
  t.deepEqual(g.membersForNewSession(new Set([a])).map((m) => m.id), ['c']);
});

test('a refused member is skipped for the next; a timed-out one is not (the backend may have acted)', async (t) => {
  const refused = [member('a', 'refused'), member('b')];
  const r = await groupOf(refused, { kind: 'failover' }).sendFree(message());
  t.is(r.member.id, 'b');
  t.is(answeredBy(r.response), 'b');
  const timedOut = [member('a', 'timeout'), member('b')];
  await t.throwsAsync(groupOf(timedOut, { kind: 'failover' }).sendFree(message()), { code: 'MOOR_ERR_ENDPOINT_TIMEOUT' });
  t.is(timedOut[1]!.sent, 0);
});

test('nothing is retried when the body cannot be sent again, or with failover="false"', async (t) => {
  const members = [member('a', 'refused'), member('b')];
  await t.throwsAsync(groupOf(members, { kind: 'failover' }).sendFree(message(false)), { code: 'MOOR_ERR_ENDPOINT_UNREACHABLE' });
  const noFailover = [member('a', 'refused'), member('b')];
  await t.throwsAsync(groupOf(noFailover, { failover: false }).sendFree(message()), { code: 'MOOR_ERR_ENDPOINT_UNREACHABLE' });
  t.is(members[1]!.sent, 0);
  t.is(noFailover[1]!.sent, 0);
});

test('every member down: one error naming those tried', async (t) => {
  const e = await t.throwsAsync(groupOf([member('a', 'refused'), member('b', 'refused')]).sendFree(message()));
  t.is((e as { code?: string }).code, 'MOOR_ERR_NO_ENDPOINT');
  t.regex(e!.message, /tried a, b|tried b, a/);
});

test('loadbalance sends each message to the next member; failover to the primary while it answers', async (t) => {
  const lb = groupOf([member('a'), member('b'), member('c')]);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) order.push(answeredBy(await lb.send(message()))!);
  t.deepEqual(order, ['a', 'b', 'c', 'a']);
  const fo = groupOf([member('primary'), member('backup')], { kind: 'failover' });
  for (let i = 0; i < 3; i++) t.is(answeredBy(await fo.send(message())), 'primary');
});

test('failover dynamic="false" stays on the member that answered last, even when the primary is back', async (t) => {
  const primary = member('primary', 'refused');
  const g = groupOf([primary, member('backup')], { kind: 'failover', dynamic: false });
  t.is(answeredBy(await g.send(message())), 'backup');
  primary.behaviour = 'answer';
  t.is(answeredBy(await g.send(message())), 'backup');
  const dynamic = groupOf([member('p', 'refused'), member('b')], { kind: 'failover' });
  await dynamic.send(message());
  (dynamic.members[0] as ReturnType<typeof member>).behaviour = 'answer';
  t.is(answeredBy(await dynamic.send(message())), 'p', 'dynamic (the default): back to the primary');
});

test('a suspended member is tried only after those that are up, and is sent to when nothing else answers', async (t) => {
  const down = member('a', 'answer', { up: false });
  const g = groupOf([down, member('b', 'refused')]);
  const r = await g.sendFree(message());
  t.is(r.member.id, 'a');
});
