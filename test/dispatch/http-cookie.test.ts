import test from 'ava';
import { cookieValue, httpCookie, setCookieValue } from '../../src/dispatch/http-cookie.ts';
import { silentLogger } from '../../src/logging.ts';
import { MessageContext } from '../../src/message/context.ts';
import { MessageAbort } from '../../src/message/abort.ts';
import { DEFAULT_LIMITS } from '../../src/message/limits.ts';
import { MessageBody } from '../../src/message/message-body.ts';
import { contextOf } from '../fixtures/messages.ts';

const ENVELOPE = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>';

test('a request names its session by the cookie among several others', async (t) => {
  const d = httpCookie();
  t.is(d.initiator, 'server');
  t.is(d.description, 'http cookie JSESSIONID');
  const msg = contextOf(ENVELOPE, { Cookie: 'theme=dark; JSESSIONID=7F3A.node1; lang=en' });
  t.is(await d.keyOfRequest(msg), '7F3A.node1');
  t.is(await d.keyOfRequest(contextOf(ENVELOPE, { Cookie: 'theme=dark; lang=en' })), undefined);
  t.is(await d.keyOfRequest(contextOf(ENVELOPE)), undefined);
});

test('quoted cookie values, values holding =, and a configured cookie name', async (t) => {
  t.is(await httpCookie().keyOfRequest(contextOf(ENVELOPE, { cookie: 'JSESSIONID="abc=="' })), 'abc==');
  const d = httpCookie('SRV');
  t.is(await d.keyOfRequest(contextOf(ENVELOPE, { cookie: 'JSESSIONID=a;SRV=b2' })), 'b2');
  // a cookie whose name merely ends or starts like the configured one is another cookie
  t.is(await d.keyOfRequest(contextOf(ENVELOPE, { cookie: 'XSRV=1; SRVX=2' })), undefined);
  t.is(cookieValue('  SRV = spaced ', 'SRV'), 'spaced');
});

test('Cookie sent as several header lines (as HTTP/2 clients do) is searched line by line', async (t) => {
  const msg = contextOf(ENVELOPE, { cookie: ['theme=dark', 'JSESSIONID=split-1', 'lang=en'] });
  t.is(await httpCookie().keyOfRequest(msg), 'split-1');
});

test('a response creates the session with Set-Cookie, alone or among several', async (t) => {
  const d = httpCookie();
  t.is(await d.keyOfResponse!(contextOf(ENVELOPE, { 'set-cookie': 'JSESSIONID=S1; Path=/; HttpOnly' }, 'response')), 'S1');
  const several = ['theme=dark; Path=/', 'JSESSIONID="S2";Path=/cart;Secure', 'lang=en; Expires=Wed, 21 Oct 2026 07:28:00 GMT'];
  t.is(await d.keyOfResponse!(contextOf(ENVELOPE, { 'set-cookie': several }, 'response')), 'S2');
  t.is(await d.keyOfResponse!(contextOf(ENVELOPE, { 'set-cookie': ['theme=dark'] }, 'response')), undefined);
  t.is(await d.keyOfResponse!(contextOf(ENVELOPE, {}, 'response')), undefined);
});

test('a Set-Cookie that clears the cookie creates no session', (t) => {
  t.is(setCookieValue('JSESSIONID=; Max-Age=0; Path=/', 'JSESSIONID'), undefined);
  t.is(setCookieValue(['a=1', 'JSESSIONID=""; Path=/'], 'JSESSIONID'), undefined);
});

test('reading the cookie never reads the message body', async (t) => {
  async function* neverEnds(): AsyncGenerator<Buffer> {
    yield Buffer.from('<soapenv:Envelope');
    await new Promise(() => {}); // a client that stalls after a few bytes
  }
  const body = new MessageBody(neverEnds(), DEFAULT_LIMITS);
  const msg = new MessageContext('request', new Map([['cookie', 'JSESSIONID=k']]), body, new MessageAbort(), silentLogger(), async () => {});
  t.is(await httpCookie().keyOfRequest(msg), 'k');
  t.is(msg.body.bytesRead.length, 0);
});
