/**
 * Cookie affinity (mode="insert") through its wrapper, on a manual clock, without sockets: the signed
 * route cookie names the member without its address, is renewed or kept by expiry, is never trusted
 * when forged, expired or foreign, never reaches the backend, and moves or faults with onFailure.
 */
import test from 'ava';
import { SessionAffinity } from '../../src/endpoints/affinity.ts';
import { CookieAffinity } from '../../src/endpoints/cookie-affinity.ts';
import { CookieSessions } from '../../src/endpoints/cookie-sessions.ts';
import { type SessionDef } from '../../src/config/session-def.ts';
import { type MessageContext } from '../../src/message/context.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { answeredBy, type FakeMember, groupOf, homeFirst, member, request, sessionCounter, sessionDef } from '../helpers/members.ts';

const KEY = Buffer.from('k3y-for-tests-0123456789abcdef');

function insert(members: FakeMember[], session: Partial<SessionDef> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const observer = sessionCounter();
  const def = sessionDef({ mode: 'insert', cookie: 'MOORROUTE', ...session });
  const g = groupOf(members, {}, undefined, clock);
  const affinity = new SessionAffinity(g, new CookieSessions(g, def, KEY, clock, observer), def.onFailure);
  return { affinity, clock, observer, codec: new CookieAffinity(g.id, members, KEY, def, clock) };
}

/** The MOORROUTE Set-Cookie line of a response, if any. */
const routeLine = (r: MessageContext): string | undefined => {
  const v = r.transport.get('set-cookie');
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).find((l) => l.startsWith('MOORROUTE='));
};
const cookieOf = (r: MessageContext): string => routeLine(r)!.split(';')[0]!;

test('a new session gets a signed cookie naming its member (not its address); the cookie brings it back', async (t) => {
  const [a, b] = [member('a@http://10.0.0.1:8080/Cart'), member('b@http://10.0.0.2:8080/Cart')];
  const { affinity, observer } = insert([a, b]);
  const first = await affinity.send(request());
  t.is(first.session?.outcome, 'new');
  const line = routeLine(first)!;
  t.regex(line, /^MOORROUTE=[A-Za-z0-9_-]{12}\.[0-9a-z]+\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=120; HttpOnly; SameSite=Lax$/);
  t.false(line.includes('10.0.0') || line.includes('8080'));
  for (let i = 0; i < 4; i++) t.is(answeredBy(await affinity.send(request(cookieOf(first)))), answeredBy(first));
  t.is(observer.counts['G new'], 1);
});

test("the gateway's cookie is taken off the request: the member sees only the client's other cookies", async (t) => {
  const a = member('a');
  const { affinity } = insert([a]);
  const route = cookieOf(await affinity.send(request()));
  await affinity.send(request(`theme=dark; ${route}; lang=en`));
  await affinity.send(request(route));
  t.deepEqual(a.cookies, [undefined, 'theme=dark; lang=en', undefined]);
});

test('sliding expiry renews the cookie with each answer; absolute keeps the first and then expires', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const sliding = insert([a, b]);
  const first = await sliding.affinity.send(request());
  sliding.clock.advance(60_000);
  const renewed = await sliding.affinity.send(request(cookieOf(first)));
  t.not(cookieOf(renewed), cookieOf(first), 'a fresh issue time');
  sliding.clock.advance(90_000);
  // 150 s after the first cookie, but 90 s after the renewed one: still the session
  t.is(answeredBy(await sliding.affinity.send(request(cookieOf(renewed)))), answeredBy(first));

  const absolute = insert([member('a'), member('b')], { expiry: 'absolute', timeoutMs: 1500 });
  const once = await absolute.affinity.send(request());
  absolute.clock.advance(1000);
  const kept = await absolute.affinity.send(request(cookieOf(once)));
  t.is(routeLine(kept), undefined, 'no new cookie within the timeout');
  absolute.clock.advance(501);
  const late = await absolute.affinity.send(request(cookieOf(once)));
  t.is(late.session?.outcome, 'new', 'expired: routed as a new session');
  t.truthy(routeLine(late));
});

test('forged, malformed, foreign and expired cookies are read as what they are and never trusted', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { codec, clock } = insert([a, b], { timeoutMs: 1000 });
  const value = codec.issue(a);
  t.like(codec.read(value), { member: a });
  const [token, issued, mac] = value.split('.') as [string, string, string];
  const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  t.deepEqual(codec.read(`${token}.${issued}.${flip(mac)}`), { rejected: 'forged' });
  t.deepEqual(codec.read(`${codec.issue(b).split('.')[0]}.${issued}.${mac}`), { rejected: 'forged' });
  t.deepEqual(codec.read('cart1'), { rejected: 'malformed' });
  const other = new CookieAffinity('OtherGroup', [a], KEY, sessionDef({ mode: 'insert' }), clock);
  t.deepEqual(codec.read(other.issue(a)), { rejected: 'forged' });
  clock.advance(1001);
  t.deepEqual(codec.read(value), { rejected: 'expired' });
});

test('a forged cookie cannot choose a member: the balancer does', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity, codec } = insert([a, b]);
  const [token, issued] = codec.issue(a).split('.') as [string, string];
  const served = new Set<string>();
  for (let i = 0; i < 4; i++) served.add(answeredBy(await affinity.send(request(`MOORROUTE=${token}.${issued}.${'A'.repeat(22)}`)))!);
  t.deepEqual([...served].sort(), ['a', 'b']);
});

test("a draining member's cookie is not renewed, so its sessions end within the timeout", async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity } = insert([a, b]);
  const first = await affinity.send(request());
  const [home] = homeFirst(first, a, b);
  home.draining = true;
  const r = await affinity.send(request(cookieOf(first)));
  t.is(answeredBy(r), home.id, 'it keeps the session');
  t.is(routeLine(r), undefined);
});

test('onFailure="rebind": a member that refuses moves the session to another, with a new cookie; "fault" keeps it and faults', async (t) => {
  const [a, b] = [member('a'), member('b')];
  const { affinity, observer } = insert([a, b]);
  const first = await affinity.send(request());
  const [down, other] = homeFirst(first, a, b);
  down.behaviour = 'refused';
  const moved = await affinity.send(request(cookieOf(first)));
  t.is(answeredBy(moved), other.id);
  t.is(moved.session?.outcome, 'rebound');
  t.is(observer.counts['G rebound'], 1);
  t.is(answeredBy(await affinity.send(request(cookieOf(moved)))), other.id);

  const [c, d] = [member('c'), member('d')];
  const faulting = insert([c, d], { onFailure: 'fault' });
  const start = await faulting.affinity.send(request());
  const [gone, spare] = homeFirst(start, c, d);
  gone.behaviour = 'refused';
  const sent = spare.sent;
  const e = await t.throwsAsync(faulting.affinity.send(request(cookieOf(start))), { code: 'MOOR_ERR_SESSION_ENDPOINT_DOWN' });
  t.regex(e!.message, new RegExp(`the MOORROUTE session is bound to ${gone.id}, which is down`));
  t.is(spare.sent, sent);
});

test('every member down: MOOR_ERR_NO_ENDPOINT naming those tried', async (t) => {
  const { affinity } = insert([member('a', 'refused'), member('b', 'refused')]);
  const e = await t.throwsAsync(affinity.send(request()), { code: 'MOOR_ERR_NO_ENDPOINT' });
  t.regex(e!.message, /takes new sessions \(tried (a, b|b, a)\)/);
});
