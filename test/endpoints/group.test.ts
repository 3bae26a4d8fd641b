/**
 * A group on its own: which members a new session may take, and the "try members in order" loop —
 * on to the next member only after a failure that left the backend untouched.
 */
import test from 'ava';
import { type GroupDef } from '../../src/config/endpoint-def.ts';
import { type Endpoint } from '../../src/endpoints/endpoint.ts';
import { GroupEndpoint } from '../../src/endpoints/group.ts';
import { EndpointError } from '../../src/endpoints/outbound.ts';
import { type MessageContext } from '../../src/message/context.ts';
import { ManualClock } from '../../src/session/clock.ts';

type Behaviour = 'answer' | 'refused' | 'timeout';

function member(id: string, behaviour: Behaviour, draining = false): Endpoint & { sent: number } {
  return {
    id,
    label: id,
    draining,
    inFlight: 0,
    sent: 0,
    available: () => !draining,
    send(): Promise<MessageContext> {
      this.sent++;
      if (behaviour === 'refused') return Promise.reject(new EndpointError('unreachable', id, 'ECONNREFUSED'));
      if (behaviour === 'timeout') return Promise.reject(new EndpointError('timeout', id, 'no response within 10 ms'));
      return Promise.resolve({ answeredBy: id } as unknown as MessageContext);
    },
    *leaves() {
      yield this;
    },
  };
}

function group(kind: 'loadbalance' | 'failover', members: Endpoint[], extra: Partial<GroupDef> = {}): GroupEndpoint {
  const def: GroupDef = { kind, loc: { file: 't.xml', line: 1, col: 1 }, name: 'G', algorithm: 'roundRobin', failover: true, dynamic: true, members: [], session: undefined, draining: false, ...extra };
  return new GroupEndpoint(def, members, members.map(() => 1), new ManualClock());
}

/** What the loop reads of a message: whether its body can be sent again, whether it was aborted. */
const message = (replayable = true) => ({ body: { replayable }, abort: { aborted: false } }) as unknown as MessageContext;

test('a new session is never given a draining member, nor one excluded', (t) => {
  const [a, b, c] = [member('a', 'answer'), member('b', 'answer', true), member('c', 'answer')];
  const g = group('failover', [a, b, c]);
  t.deepEqual(g.membersForNewSession().map((m) => m.id), ['a', 'c']);
  t.deepEqual(g.membersForNewSession(new Set([a])).map((m) => m.id), ['c']);
});

test('a refused member is skipped for the next; a timed-out one is not (the backend may have acted)', async (t) => {
  const refused = [member('a', 'refused'), member('b', 'answer')];
  const r = await group('failover', refused).sendFree(message());
  t.is(r.member.id, 'b');
  const timedOut = [member('a', 'timeout'), member('b', 'answer')];
  await t.throwsAsync(group('failover', timedOut).sendFree(message()), { code: 'MOOR_ERR_ENDPOINT_TIMEOUT' });
  t.is(timedOut[1]!.sent, 0);
});

test('nothing is retried when the body cannot be sent again, or with failover="false"', async (t) => {
  const members = [member('a', 'refused'), member('b', 'answer')];
  await t.throwsAsync(group('failover', members).sendFree(message(false)), { code: 'MOOR_ERR_ENDPOINT_UNREACHABLE' });
  await t.throwsAsync(group('loadbalance', [member('a', 'refused'), member('b', 'answer')], { failover: false }).sendFree(message()), { code: 'MOOR_ERR_ENDPOINT_UNREACHABLE' });
  t.is(members[1]!.sent, 0);
});

test('every member down: one error naming those tried', async (t) => {
  const e = await t.throwsAsync(group('loadbalance', [member('a', 'refused'), member('b', 'refused')]).sendFree(message()));
  t.is((e as { code?: string }).code, 'MOOR_ERR_NO_ENDPOINT');
  t.regex(e!.message, /tried a, b|tried b, a/);
});
