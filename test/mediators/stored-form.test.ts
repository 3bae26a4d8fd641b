/** A stored message as one value (src/mediators/stored-form.ts): what another node reads back is what was stored. */
import test from 'ava';
import { decodeStored, encodeStored, ID_LENGTH, newId } from '../../src/mediators/stored-form.ts';
import { JavaDouble } from '../../src/expr/java-double.ts';
import { XmlValue } from '../../src/xml/xml-value.ts';

test('envelope bytes, SOAP version, headers and typed default-scope properties come back as stored', (t) => {
  // (an envelope with newlines and non-ASCII text: the header ends at the first newline, the envelope is raw bytes)
  const envelope = Buffer.from('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">\n<env:Body><a>é\n{"x":1}</a></env:Body></env:Envelope>');
  const properties = new Map<string, unknown>([
    ['text', 'line one\nline two'],
    ['count', 42],
    ['ratio', 0.5],
    ['price', new JavaDouble(2)],
    ['flag', true],
    ['xml', new XmlValue('<m:x xmlns:m="urn:m">1</m:x>')],
    ['object', { toString: () => 'as text' }],
    ['gone', undefined],
  ]);
  const id = newId();
  t.is(id.length, ID_LENGTH);
  const value = encodeStored(id, { envelope, version: '1.2', headers: new Map([['content-type', 'application/soap+xml; action="urn:a"']]), properties });
  const back = decodeStored(value);
  t.is(back.id, id);
  t.true(back.message.envelope.equals(envelope));
  t.is(back.message.version, '1.2');
  t.deepEqual([...back.message.headers], [['content-type', 'application/soap+xml; action="urn:a"']]);
  const p = back.message.properties;
  t.is(p.get('text'), 'line one\nline two');
  t.is(p.get('count'), 42);
  t.is(p.get('ratio'), 0.5);
  t.true(p.get('price') instanceof JavaDouble, 'a DOUBLE property stays one');
  t.is(String(p.get('price')), '2.0');
  t.is(p.get('flag'), true);
  t.true(p.get('xml') instanceof XmlValue);
  t.is(String(p.get('xml')), '<m:x xmlns:m="urn:m">1</m:x>');
  t.is(p.get('object'), 'as text', 'a value that cannot cross nodes is kept as its text');
  t.false(p.has('gone'));
  t.is(value.length - envelope.length < 400, true, 'compact: the header is small and the envelope is not encoded');
});
