/**
 * A stored message as bytes, for a store outside the process (Redis): what the in-memory store keeps
 * (message-store.ts StoredMessage), in one compact value:
 *
 *   <id: 16 characters> <header: JSON, one line> "\n" <envelope: its bytes as they are>
 *
 * The header is `{"v":"1.1"|"1.2","h":{header: value},"p":[[name, type, value]…]}`, type `s` (text),
 * `n` (a whole-number type: INTEGER, LONG, SHORT), `d` (DOUBLE, FLOAT: expr/java-double.ts), `b` (a boolean), `x` (XML: type="OM", XmlValue). A property of any
 * other kind (a class mediator's object) is kept as its text, `s`, since it cannot cross to another
 * node. The envelope is not escaped or encoded, so a large one costs its bytes and nothing more.
 * The id lets a node take a message out only while it is still the one it read (redis-message-store.ts).
 */
import { randomBytes } from 'node:crypto';
import { JavaDouble } from '../expr/java-double.ts';
import { type StoredMessage } from './message-store.ts';
import { XmlValue } from '../xml/xml-value.ts';
import { DefaultScope } from '../message/property-scopes.ts';
import { type SoapVersion } from '../xml/soap.ts';

/** The length of an id, in bytes (base64url of 12 random bytes). */
export const ID_LENGTH = 16;

type Typed = [string, 's' | 'n' | 'd' | 'b' | 'x', string | number | boolean];

/** A fresh id for a message about to be stored. */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/** `m` as one value, under `id`. */
export function encodeStored(id: string, m: StoredMessage): Buffer {
  const props: Typed[] = [];
  for (const [k, v] of m.properties) {
    if (typeof v === 'string') props.push([k, 's', v]);
    else if (typeof v === 'number' && Number.isFinite(v)) props.push([k, 'n', v]);
    else if (v instanceof JavaDouble && Number.isFinite(v.value)) props.push([k, 'd', v.value]);
    else if (typeof v === 'boolean') props.push([k, 'b', v]);
    else if (v instanceof XmlValue) props.push([k, 'x', v.xml]);
    else if (v !== undefined && v !== null) props.push([k, 's', String(v)]);
  }
  const header = JSON.stringify({ v: m.version, h: Object.fromEntries(m.headers), p: props });
  // (JSON.stringify escapes every newline, so the first "\n" ends the header)
  return Buffer.concat([Buffer.from(`${id}${header}\n`), m.envelope]);
}

/** The id and the message of a value made by {@link encodeStored}; throws for any other value. */
export function decodeStored(value: Buffer): { id: string; message: StoredMessage } {
  const nl = value.indexOf(0x0a, ID_LENGTH);
  if (nl < 0) throw new Error('a stored message without its header');
  const id = value.subarray(0, ID_LENGTH).toString('latin1');
  const header = JSON.parse(value.subarray(ID_LENGTH, nl).toString('utf8')) as { v: SoapVersion; h: Record<string, string>; p: Typed[] };
  if ((header.v !== '1.1' && header.v !== '1.2') || typeof header.h !== 'object' || header.h === null || !Array.isArray(header.p)) throw new Error('a header that is not a stored message\'s');
  const properties = new DefaultScope();
  for (const [k, type, v] of header.p) properties.set(k, type === 'x' ? new XmlValue(String(v)) : type === 'd' ? new JavaDouble(Number(v)) : v);
  return {
    id,
    message: { envelope: value.subarray(nl + 1), headers: new Map(Object.entries(header.h)), version: header.v, properties },
  };
}
