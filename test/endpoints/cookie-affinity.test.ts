/**
 * The signed route cookie itself (cookie-affinity.ts), on a manual clock: where its key comes from and
 * which keys are refused at load, how long a cookie is trusted and what its Set-Cookie line says, that
 * every node with the same configuration names a member the same way, and that a cookie naming a
 * member the group no longer has is not trusted. (Routing by the cookie: cookie-sessions.test.ts.)
 */
import test from 'ava';
import { COOKIE_KEY_ENV, CookieAffinity, cookieKeyFor } from '../../src/endpoints/cookie-affinity.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { member, sessionDef } from '../helpers/members.ts';

const KEY = Buffer.from('k3y-for-tests-0123456789abcdef');
const insert = sessionDef({ mode: 'insert', cookie: 'MOORROUTE', loc: { file: 'cart.xml', line: 7, col: 5 } });

test('the key is the configured one, else MOOR_COOKIE_KEY; none, or one shorter than 16, is refused at the <session>', (t) => {
  const env = { [COOKIE_KEY_ENV]: 'from-the-environment-0123' };
  t.is(cookieKeyFor(insert, 'from-the-configuration-01', env).toString(), 'from-the-configuration-01');
  t.is(cookieKeyFor(insert, undefined, env).toString(), 'from-the-environment-0123');
  for (const none of [{}, { [COOKIE_KEY_ENV]: '' }]) {
    const e = t.throws(() => cookieKeyFor(insert, undefined, none), { code: 'MOOR_ERR_COOKIE_KEY' });
    t.regex(e!.toString(), /^cart\.xml:7:5 MOOR_ERR_COOKIE_KEY .*MOOR_COOKIE_KEY.*<moor:cookieKey>/);
  }
  t.throws(() => cookieKeyFor(insert, '0123456789abcde', {}), { code: 'MOOR_ERR_COOKIE_KEY', message: /15 characters long; use at least 16/ });
  t.is(cookieKeyFor(insert, '0123456789abcdef', {}).length, 16);
});

test('sameSite="None" is refused without secure="true" (browsers drop such cookies), accepted with it', (t) => {
  t.throws(() => cookieKeyFor(sessionDef({ ...insert, cookieSameSite: 'None' }), KEY.toString(), {}), { code: 'MOOR_ERR_BAD_VALUE', message: /sameSite="None" needs secure="true"/ });
  t.notThrows(() => cookieKeyFor(sessionDef({ ...insert, cookieSameSite: 'None', cookieSecure: true }), KEY.toString(), {}));
});

test('a cookie is trusted for the session timeout from its issue, to the millisecond, and not after', (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const a = member('a@http://10.0.0.1/Cart');
  const codec = new CookieAffinity('G', [a], KEY, sessionDef({ ...insert, timeoutMs: 60_000 }), clock);
  const value = codec.issue(a);
  clock.advance(60_000);
  t.like(codec.read(value), { member: a, issuedAt: 1_700_000_000_000 });
  clock.advance(1);
  t.deepEqual(codec.read(value), { rejected: 'expired' });
});

test('Set-Cookie: Max-Age is what is left of the timeout since the issue (whole seconds, never negative), with the configured attributes', (t) => {
  const clock = new ManualClock(1_000_000);
  const a = member('a');
  const plain = new CookieAffinity('G', [a], KEY, sessionDef({ ...insert, timeoutMs: 120_000 }), clock);
  const strict = new CookieAffinity('G', [a], KEY, sessionDef({ ...insert, cookie: 'MOORSTRICT', timeoutMs: 120_000, cookieSecure: true, cookieSameSite: 'Strict', cookiePath: '/services' }), clock);
  const issuedAt = clock.now();
  const value = plain.issue(a);
  t.is(plain.setCookie(value, issuedAt), `MOORROUTE=${value}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax`);
  clock.advance(30_500);
  t.is(plain.setCookie(value, issuedAt), `MOORROUTE=${value}; Path=/; Max-Age=90; HttpOnly; SameSite=Lax`, '89.5 s left: 90');
  t.is(strict.setCookie(value, issuedAt), `MOORSTRICT=${value}; Path=/services; Max-Age=90; HttpOnly; SameSite=Strict; Secure`);
  clock.advance(200_000);
  t.regex(plain.setCookie(value, issuedAt), /; Max-Age=0;/);
});

test('every node with the same group and key names a member alike, whatever the order of the members', (t) => {
  const clock = new ManualClock(5_000);
  const [a, b] = [member('a@http://10.0.0.1/Cart'), member('b@http://10.0.0.2/Cart')];
  // another node: its own endpoint objects for the same backends, listed the other way round
  const [b2, a2] = [member('b@http://10.0.0.2/Cart'), member('a@http://10.0.0.1/Cart')];
  const one = new CookieAffinity('G', [a, b], KEY, insert, clock);
  const other = new CookieAffinity('G', [b2, a2], KEY, insert, clock);
  t.is(other.issue(a2), one.issue(a));
  t.like(other.read(one.issue(b)), { member: b2 });
  t.like(one.read(other.issue(a2)), { member: a });
  // the group is part of the name: the same backend in another group has another token, so two
  // groups' cookies do not tell which backends they share
  const token = (value: string): string => value.split('.')[0]!;
  t.not(token(new CookieAffinity('H', [a], KEY, insert, clock).issue(a)), token(one.issue(a)));
});

test('a genuine cookie naming a member the group no longer has is not trusted', (t) => {
  const clock = new ManualClock(5_000);
  const [a, b] = [member('a'), member('b')];
  const before = new CookieAffinity('G', [a, b], KEY, insert, clock);
  const after = new CookieAffinity('G', [a], KEY, insert, clock);
  t.like(after.read(before.issue(a)), { member: a });
  t.deepEqual(after.read(before.issue(b)), { rejected: 'unknown member' });
});

test('two members with one id are refused at load (their cookies would be ambiguous); a non-member gets no cookie', (t) => {
  t.throws(() => new CookieAffinity('G', [member('a'), member('a')], KEY, insert), { code: 'MOOR_ERR_BAD_VALUE', message: /two members of G have the same id a/ });
  const codec = new CookieAffinity('G', [member('a')], KEY, insert);
  t.throws(() => codec.issue(member('z')), { code: 'MOOR_ERR_MEDIATION', message: /z is not a member of G/ });
});
