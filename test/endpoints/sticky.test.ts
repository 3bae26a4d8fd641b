/**
 * Table affinity through its wrapper (SessionAffinity + TableSessions) over a real memory store, the
 * real dispatchers (syn:ClientID, the JSESSIONID cookie) and members without sockets: where a session
 * is bound, when it moves, what onFailure does, what the store holds afterwards.
 */
import test from 'ava';
import { SessionAffinity } from '../../src/endpoints/affinity.ts';
import { type Endpoint } from '../../src/endpoints/endpoint.ts';
import { membersOf } from '../../src/endpoints/members.ts';
import { TableSessions } from '../../src/endpoints/sticky.ts';
import { httpCookie } from '../../src/dispatch/http-cookie.ts';
import { clientId } from '../../src/dispatch/soap-header.ts';
import { type SessionDef } from '../../src/config/session-def.ts';
import { type SessionDispatcher } from '../../src/dispatch/dispatcher.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { storeKeyOf } from '../../src/session/store.ts';
import { answeredBy, type FakeMember, groupOf, homeFirst, member, request, sessionCounter, sessionDef } from '../helpers/members.ts';

/** A request of client session `id` (syn:ClientID), or of none. */
const client = (id?: string) =>
  request(
    undefined,
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>${id === undefined ? '' : `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`}</soapenv:Header><soapenv:Body/></soapenv:Envelope>`,
  );

function sticky(members: FakeMember[], session: Partial<SessionDef> = {}, dispatcher: SessionDispatcher = clientId(), inner: Endpoint = groupOf(members)) {
  const store = new MemoryStore(new ManualClock(), 0);
  const observer = sessionCounter();
  const def = sessionDef({ type: 'simpleClientSession', ...session });
  const pool = membersOf(inner);
  const affinity = new SessionAffinity(pool, new TableSessions(pool, dispatcher, def, store, 64, observer), def.onFailure);
  const boundTo = async (key: string) => (await store.get(storeKeyOf(pool.id, key), 'absolute', def.timeoutMs))?.endpoint;
  return { affinity, store, observer, boundTo };
}

/** Two members and session `s` bound to one of them (`home`). */
async function boundSession(session: Partial<SessionDef> = {}) {
  const [a, b] = [member('a'), member('b')];
  const s = sticky([a, b], session);
  const [home, other] = homeFirst(await s.affinity.send(client('s')), a, b);
  return { ...s, home, other };
}

test('a client session is bound by its first message and stays on its member while the balancer turns', async (t) => {
  const [a, b, c] = [member('a'), member('b'), member('c')];
  const { affinity, boundTo, observer } = sticky([a, b, c]);
  const first = await affinity.send(client('alice'));
  const home = answeredBy(first)!;
  t.is(first.session?.outcome, 'new');
  t.is(await boundTo('alice'), home);
  for (let i = 0; i < 5; i++) {
    // other sessions turn the round robin meanwhile
    await affinity.send(client(`other-${i}`));
    const r = await affinity.send(client('alice'));
    t.is(answeredBy(r), home);
    t.is(r.session?.outcome, 'bound');
  }
  t.is(observer.counts['G new'], 6);
});

test('a bound session is sent to its member even while that member is marked suspended', async (t) => {
  const { affinity, home } = await boundSession();
  home.up = false;
  t.is(answeredBy(await affinity.send(client('s'))), home.id);
});

test('onFailure="rebind": a bound member that refuses the connection loses the session to one that answers, in the store too', async (t) => {
  const { affinity, boundTo, observer, home: down, other } = await boundSession();
  down.behaviour = 'refused';
  const moved = await affinity.send(client('s'));
  t.is(answeredBy(moved), other.id);
  t.is(moved.session?.outcome, 'rebound');
  t.is(await boundTo('s'), other.id);
  t.is(observer.counts['G rebound'], 1);
  // and it stays there when the first member is back
  down.behaviour = 'answer';
  t.is(answeredBy(await affinity.send(client('s'))), other.id);
});

test('onFailure="fault": the client gets MOOR_ERR_SESSION_ENDPOINT_DOWN, no other member is sent anything, the binding stays', async (t) => {
  const { affinity, boundTo, home: down, other } = await boundSession({ onFailure: 'fault' });
  down.behaviour = 'refused';
  const sentBefore = other.sent;
  const e = await t.throwsAsync(affinity.send(client('s')), { code: 'MOOR_ERR_SESSION_ENDPOINT_DOWN' });
  t.regex(e!.message, new RegExp(`session s is bound to ${down.id}, which is down`));
  t.is(other.sent, sentBefore);
  t.is(await boundTo('s'), down.id);
});

test('a bound member that times out (the backend may have acted) is not replaced: the error goes to the client', async (t) => {
  const { affinity, boundTo, home } = await boundSession();
  home.behaviour = 'timeout';
  await t.throwsAsync(affinity.send(client('s')), { code: 'MOOR_ERR_ENDPOINT_TIMEOUT' });
  t.is(await boundTo('s'), home.id);
});

test("a new session whose first member refuses is bound to the next one (counted new once, then rebound)", async (t) => {
  const [a, b] = [member('a', 'refused'), member('b')];
  const { affinity, boundTo, observer } = sticky([a, b]);
  const r = await affinity.send(client('s'));
  t.is(answeredBy(r), 'b');
  t.is(await boundTo('s'), 'b');
  t.deepEqual(observer.counts, { 'G new': 1, 'G rebound': 1 });
});

test('no member takes a new session: MOOR_ERR_NO_ENDPOINT, nothing bound', async (t) => {
  const { affinity, boundTo } = sticky([member('a', 'answer', { draining: true })]);
  const e = await t.throwsAsync(affinity.send(client('s')), { code: 'MOOR_ERR_NO_ENDPOINT' });
  t.regex(e!.message, /no endpoint of G takes new sessions/);
  t.is(await boundTo('s'), undefined);
  const all = sticky([member('a', 'refused'), member('b', 'refused')]);
  const e2 = await t.throwsAsync(all.affinity.send(client('s')), { code: 'MOOR_ERR_NO_ENDPOINT' });
  t.regex(e2!.message, /session s: no endpoint of G could be reached/);
});

test('a draining member keeps its sessions and takes no new ones', async (t) => {
  const { affinity, home } = await boundSession();
  home.draining = true;
  t.is(answeredBy(await affinity.send(client('s'))), home.id);
  for (let i = 0; i < 4; i++) t.not(answeredBy(await affinity.send(client(`new-${i}`))), home.id);
});

test('a binding to a member this gateway does not know is moved (compare-and-set) to one it knows', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity, store, boundTo } = sticky([a, b]);
  await store.claim(storeKeyOf('G', 's'), 'gone@http://10.0.0.9/', 60_000);
  const r = await affinity.send(client('s'));
  t.true(['a', 'b'].includes(answeredBy(r)!));
  t.is(await boundTo('s'), answeredBy(r));
});

test('a session id over the limit is refused and never reaches the store or a member', async (t) => {
  const [a] = [member('a')];
  const { affinity, store } = sticky([a]);
  await t.throwsAsync(affinity.send(client('x'.repeat(65))), { code: 'MOOR_ERR_SESSION_ID_TOO_LONG' });
  t.is(a.sent, 0);
  t.deepEqual((await store.list({}, 10)).bindings, []);
});

test('a message without a session goes to any member and binds nothing', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity, store } = sticky([a, b]);
  const served = new Set([answeredBy(await affinity.send(client())), answeredBy(await affinity.send(client()))]);
  t.deepEqual([...served].sort(), ['a', 'b']);
  t.deepEqual((await store.list({}, 10)).bindings, []);
});

test('server-initiated (JSESSIONID): the response that creates the session binds it to the member that served it', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity, boundTo } = sticky([a, b], { type: 'http' }, httpCookie());
  a.answerHeaders = { 'set-cookie': 'JSESSIONID=from-a; Path=/' };
  b.answerHeaders = { 'set-cookie': 'JSESSIONID=from-b; Path=/' };
  const first = await affinity.send(request());
  const home = answeredBy(first)!;
  t.is(first.session?.outcome, 'new');
  t.is(await boundTo(`from-${home}`), home);
  for (let i = 0; i < 3; i++) t.is(answeredBy(await affinity.send(request(`JSESSIONID=from-${home}`))), home);
});

test('two gateways on one store bind a session once: the second follows the first one\'s binding', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const store = new MemoryStore(new ManualClock(), 0);
  const node = () => {
    const g = groupOf([a, b]);
    const def = sessionDef({ type: 'simpleClientSession' });
    return new SessionAffinity(g, new TableSessions(g, clientId(), def, store, 64), def.onFailure);
  };
  const [one, two] = [node(), node()];
  // node two has balanced other traffic: its round robin would choose the other member
  await two.send(client());
  const [r1, r2] = await Promise.all([one.send(client('s')), two.send(client('s'))]);
  t.is(answeredBy(r1), answeredBy(r2));
});

test('affinity wraps a single endpoint as well: bound to it, and with no other member to move to, it faults', async (t) => {
  const only = member('only');
  const { affinity, boundTo } = sticky([], {}, clientId(), only);
  t.is(answeredBy(await affinity.send(client('s'))), 'only');
  t.is(await boundTo('s'), 'only');
  only.behaviour = 'refused';
  const e = await t.throwsAsync(affinity.send(client('s')), { code: 'MOOR_ERR_NO_ENDPOINT' });
  t.regex(e!.message, /session s: no endpoint of only could be reached/);
});
