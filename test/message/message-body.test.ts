import test from 'ava';
import { DEFAULT_LIMITS } from '../../src/message/limits.ts';
import { MessageBody, type ReadHead } from '../../src/message/message-body.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';
import { bodyOf, chunked, forwarded } from '../fixtures/messages.ts';

const S11 = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';
const HEAD = `<soapenv:Envelope ${S11}><soapenv:Header><a:Id xmlns:a="urn:a">1</a:Id></soapenv:Header><soapenv:Body>`;
const TAIL = `</soapenv:Body></soapenv:Envelope>`;

/** A message whose body holds `inner`. */
function message(inner: string): Buffer {
  return Buffer.from(HEAD + inner + TAIL);
}

test('the forwarded bytes are the received bytes, whatever the chunking', async (t) => {
  const bytes = message(`<m:Op xmlns:m="urn:m">${'données '.repeat(2000)}<![CDATA[<x>]]></m:Op>`);
  for (const chunk of [0, 1, 7, 4096]) {
    const body = bodyOf(bytes, { chunk });
    await body.readHead();
    t.true((await forwarded(body)).equals(bytes), `chunk ${chunk}`);
  }
});

test('a DOCTYPE in the body is refused while forwarding, even split across two chunks at any byte', async (t) => {
  const inner = '<m:Op xmlns:m="urn:m">x</m:Op><!DOCTYPE x [<!ENTITY e "e">]>';
  const bytes = message(inner);
  const at = bytes.indexOf('<!DOCTYPE');
  for (let split = at + 1; split < at + 9; split++) {
    async function* twoChunks(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, HEAD.length); // the head alone
      yield bytes.subarray(HEAD.length, split);
      yield bytes.subarray(split);
    }
    const body = new MessageBody(twoChunks(), DEFAULT_LIMITS);
    await body.readHead();
    await t.throwsAsync(forwarded(body), { code: 'MOOR_ERR_DOCTYPE' }, `split after ${split - at} bytes of <!DOCTYPE`);
  }
});

test('a DOCTYPE that arrives with the head, after the Body start, is refused when the head is read', async (t) => {
  const body = bodyOf(message('<!doctype x>'));
  await t.throwsAsync(body.readHead(), { code: 'MOOR_ERR_DOCTYPE' });
});

test('a DOCTYPE in the body is refused when the whole message is read for a mediator', async (t) => {
  const body = bodyOf(message('<x/><!DOCTYPE y>'), { chunk: 5 });
  await body.readHead();
  await t.throwsAsync(body.readAll(), { code: 'MOOR_ERR_DOCTYPE' });
});

test('a DOCTYPE inside a CDATA section is text, not a declaration: the message passes', async (t) => {
  const bytes = message('<![CDATA[<!DOCTYPE html>]]>');
  const body = new MessageBody(chunked(bytes, 10), DEFAULT_LIMITS);
  await body.readHead();
  t.true((await forwarded(body)).equals(bytes));
});

test('a backend reply that breaks the envelope blames the backend by name; what was wrong is kept for the log', async (t) => {
  const bytes = message('<a>&nope;</a>');
  const body = new MessageBody(chunked(bytes, 10), DEFAULT_LIMITS, undefined, { backend: 'cart1' });
  const e = await t.throwsAsync(forwarded(body), { code: 'MOOR_ERR_BAD_REPLY', message: 'the reply of endpoint cart1 is not a well-formed SOAP envelope' });
  t.regex((e as unknown as { detail: string }).detail, /MOOR_ERR_MALFORMED_XML: .*&nope;/);
  // a reply made by moor itself is not checked
  const ours = new MessageBody(chunked(bytes, 10), DEFAULT_LIMITS, undefined, 'trusted');
  t.true((await forwarded(ours)).equals(bytes));
});

test('maxMessageBytes: a message of exactly the limit passes, one byte more is refused as too large', async (t) => {
  const bytes = message('x'.repeat(1000));
  const fits = bodyOf(bytes, { chunk: 64, limits: { maxMessageBytes: bytes.length } });
  await fits.readHead();
  t.is((await forwarded(fits)).length, bytes.length);
  const over = bodyOf(bytes, { chunk: 64, limits: { maxMessageBytes: bytes.length - 1 } });
  await over.readHead();
  await t.throwsAsync(forwarded(over), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE', message: /larger than/ });
  // refused while reading the head already when the head alone is over the limit
  await t.throwsAsync(bodyOf(bytes, { chunk: 16, limits: { maxMessageBytes: 32 } }).readHead(), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE' });
});

test('an empty request, and one that ends before its Body, are refused', async (t) => {
  await t.throwsAsync(bodyOf(Buffer.alloc(0), { chunk: 1 }).readHead(), { code: 'MOOR_ERR_NOT_ENVELOPE', message: /no content/ });
  await t.throwsAsync(bodyOf(HEAD.slice(0, 60), { chunk: 8 }).readHead(), { code: 'MOOR_ERR_MALFORMED_XML', message: /ends before/ });
});

test('a body within replayBytes can be sent again; a larger one that already flowed cannot', async (t) => {
  const bytes = message('y'.repeat(500));
  const small = bodyOf(bytes, { chunk: 50, limits: { replayBytes: 10_000 } });
  await small.readHead();
  t.true((await forwarded(small)).equals(bytes));
  t.true(small.replayable);
  t.true((await forwarded(small)).equals(bytes), 'the second attempt sends the same bytes');
  const large = bodyOf(bytes, { chunk: 50, limits: { replayBytes: 100 } });
  await large.readHead();
  t.true((await forwarded(large)).equals(bytes));
  t.false(large.replayable);
  await t.throwsAsync(forwarded(large), { code: 'MOOR_ERR_MEDIATION' });
});

test('length is the declared length, adjusted by a rewritten head', async (t) => {
  const bytes = message('z');
  const body = new MessageBody(chunked(bytes, 10), DEFAULT_LIMITS, bytes.length);
  t.is(body.length, bytes.length);
  const h = await body.readHead();
  const end = h.boundary === 'ended' ? 0 : h.boundary.bodyStart;
  body.replaceHead(Buffer.from(`<soapenv:Envelope ${S11}>`), end);
  t.is(body.length, bytes.length - end + `<soapenv:Envelope ${S11}>`.length);
  t.is((await forwarded(body)).toString(), `<soapenv:Envelope ${S11}><soapenv:Body>z${TAIL}`);
});

test('a second send attempt announces the length of what it sends, also when the first drained a chunked stream', async (t) => {
  const bytes = message('w'.repeat(300));
  const body = bodyOf(bytes, { chunk: 32 }); // no Content-Length: the length is unknown at first
  await body.readHead();
  t.is(body.length, undefined);
  t.true((await forwarded(body)).equals(bytes));
  t.is(body.length, bytes.length, 'the retry must not announce fewer bytes than it sends');
  t.is(body.length, (await forwarded(body)).length);
});

test('after a send attempt, reading the whole message gives it in order, and a replaced envelope is sent alone', async (t) => {
  const bytes = message('v'.repeat(300));
  const body = bodyOf(bytes, { chunk: 32 });
  await body.readHead();
  let taken = 0;
  for await (const c of body.open()) if ((taken += c.length) > 250) break; // an attempt that failed part-way
  t.true((await body.readAll()).equals(bytes), 'the chunks the attempt forwarded are not lost');
  t.true((await forwarded(body)).equals(bytes));
  body.replaceAll(Buffer.from('<new/>'));
  t.is((await forwarded(body)).toString(), '<new/>', 'nothing of the old message follows the new one');
  t.is(body.length, 6);
});

test('a body too large to replay cannot be read whole once it flowed', async (t) => {
  const body = bodyOf(message('u'.repeat(500)), { chunk: 50, limits: { replayBytes: 100 } });
  await body.readHead();
  await forwarded(body);
  await t.throwsAsync(body.readAll(), { code: 'MOOR_ERR_MEDIATION' });
});

test('the XML attack files, streamed in small chunks, are refused with MOOR_ERR_DOCTYPE while reading the head', async (t) => {
  const files = [...(await corpusFiles(CORPUS_DIRS.defusedxml)), ...(await corpusFiles(CORPUS_DIRS.xxe))];
  let refused = 0;
  for (const file of files) {
    const bytes = await corpusFile(file);
    if (bytes.indexOf('<!DOCTYPE') < 0) continue;
    for (const chunk of [0, 3]) await t.throwsAsync(bodyOf(bytes, { chunk }).readHead(), { code: 'MOOR_ERR_DOCTYPE' }, `${file} chunk ${chunk}`);
    refused++;
  }
  t.is(refused, 12);
});

test('the head limits configured for the message apply while reading its head', async (t) => {
  const deep = message('').toString().replace('<a:Id xmlns:a="urn:a">1</a:Id>', '<a><b><c>1</c></b></a>');
  await t.throwsAsync(bodyOf(deep, { chunk: 4, limits: { maxDepth: 4 } }).readHead(), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE' });
  await t.notThrowsAsync(bodyOf(deep, { chunk: 4, limits: { maxDepth: 5 } }).readHead());
  await t.throwsAsync(bodyOf(deep, { limits: { maxHeadBytes: 50 } }).readHead(), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE' });
  await t.throwsAsync(bodyOf(deep, { limits: { maxAttributes: 0 } }).readHead(), { code: 'MOOR_ERR_MESSAGE_TOO_LARGE' });
});

test('a message all in memory gives its head at once; a streamed one only once read, and both give the same', async (t) => {
  const bytes = message('<m:Op xmlns:m="urn:m">x</m:Op>');
  const whole = new MessageBody(bytes, DEFAULT_LIMITS, bytes.length);
  const now = whole.readHeadNow();
  t.truthy(now, 'a buffer needs no reading');
  t.is<ReadHead | undefined, ReadHead | undefined>(await whole.readHead(), now, 'and reading it later gives the same head');
  const streamed = bodyOf(bytes, { chunk: 16 });
  t.is(streamed.readHeadNow(), undefined, 'bytes still to come');
  const read = await streamed.readHead();
  t.is(streamed.readHeadNow(), read);
  t.deepEqual(read.boundary, now!.boundary);
  // what a read would refuse, a message in memory refuses at once
  t.throws(() => new MessageBody(Buffer.alloc(0), DEFAULT_LIMITS, 0).readHeadNow(), { code: 'MOOR_ERR_NOT_ENVELOPE', message: /no content/ });
  t.throws(() => new MessageBody(Buffer.from(HEAD.slice(0, 60)), DEFAULT_LIMITS, 60).readHeadNow(), { code: 'MOOR_ERR_MALFORMED_XML', message: /ends before/ });
  t.throws(() => new MessageBody(message('<!DOCTYPE x>'), DEFAULT_LIMITS).readHeadNow(), { code: 'MOOR_ERR_DOCTYPE' });
});
