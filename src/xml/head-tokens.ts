/**
 * The head scanner's tokenizer: reads one construct of XML markup at a given offset of the scanned
 * bytes — a start tag (checked for well-formedness, and remembered by its bytes so that the tags every
 * message repeats are read once), a comment or CDATA section (a DOCTYPE is refused), an end tag's match
 * with its start tag. It knows nothing of SOAP or of where it is in the document: the walk over the
 * envelope (head-scanner.ts) keeps the element stack and decides what each token means.
 *
 * Like well-formed.ts, it reads the bytes through `t`, the same bytes as a latin1 string.
 */
import { MoorError } from '../errors.ts';
import { doctype } from './envelope-shape.ts';
import { type QName } from './names.ts';
import { XmlSyntaxError } from './parse.ts';
import { checkReadable, checkStartTag, isSpace, type TagNamespaces, textAt } from './well-formed.ts';

const GT = 0x3e;
const SLASH = 0x2f;

/**
 * Reads the start tag whose `<` is at `lt`, honouring quotes; counts attributes against `maxAttributes`.
 * 'more' when the tag has not all arrived. `previous` is the start tag the scan read before this one:
 * the tag that followed it last time is compared first.
 */
export function readStartTag(t: string, buf: Buffer, lt: number, maxAttributes: number, previous: KnownTag | undefined): KnownTag | 'more' {
  // a tag seen before is found by its bytes up to the first '>': a known tag has no '>' inside its
  // quotes (or that would have been its first), so if those bytes are one, the tag ends there
  const gt = t.indexOf('>', lt + 1);
  if (gt < 0) return 'more';
  const seen = gt - lt < KNOWN_TAG_LENGTH ? knownTagAt(t, lt, gt, previous) : undefined;
  if (seen && seen.attributes <= maxAttributes) {
    follows(previous, seen);
    return seen;
  }
  let i = lt + 1;
  let quote = 0;
  let attrs = 0;
  let nameEnd = -1;
  let wide = false;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3d) attrs++;
    else if (c === GT) break;
    else if (nameEnd < 0 && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === SLASH)) nameEnd = i;
    else if (nameEnd < 0 && c >= 0x80) wide = true;
  }
  if (i >= t.length) return 'more';
  if (attrs > maxAttributes) {
    throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `an element of the SOAP head has more than ${maxAttributes} attributes`);
  }
  const namespaces = checkStartTag(t, buf, lt, i);
  const name = textAt(t, buf, lt + 1, nameEnd < 0 ? i : nameEnd, wide);
  if (!name) throw new XmlSyntaxError('a start tag has no name', { offset: lt });
  checkReadable(name, lt);
  const tag: KnownTag = {
    // (the tag's own copy of its text: a slice of the message's would keep the message alive)
    text: i - lt < KNOWN_TAG_LENGTH ? buf.toString('latin1', lt, i + 1) : '',
    next: undefined,
    epoch: -1,
    length: i + 1 - lt,
    name,
    selfClosing: t.charCodeAt(i - 1) === SLASH,
    namespaces,
    attributes: attrs,
    parentScope: undefined,
    scope: undefined,
    qname: undefined,
  };
  if (i - lt < KNOWN_TAG_LENGTH) remember(tag, fingerprint(t, lt, i));
  follows(previous, tag);
  return tag;
}

/** `<!--…-->`, `<![CDATA[…]]>` at `lt`; a DOCTYPE is refused. Returns the offset after the construct. */
export function skipMarkup(t: string, lt: number): number | 'more' {
  if (t.length < lt + 9) {
    // not enough bytes to tell a comment from a DOCTYPE yet, unless it is clearly a comment
    if (!t.startsWith('<!--', lt)) return 'more';
  }
  const head = t.slice(lt, lt + 9);
  if (head.startsWith('<!--')) {
    const end = t.indexOf('-->', lt + 4);
    return end < 0 ? 'more' : end + 3;
  }
  if (head === '<![CDATA[') {
    const end = t.indexOf(']]>', lt + 9);
    return end < 0 ? 'more' : end + 3;
  }
  if (head.toUpperCase() === '<!DOCTYPE') {
    throw doctype();
  }
  throw new XmlSyntaxError(`unexpected markup ${JSON.stringify(head)}`, { offset: lt });
}

/**
 * True when the end tag whose name runs from `lt + 2` to `nameEnd` closes the start tag whose name
 * starts at `at`: compared as bytes with the start tag's name, which is still in the buffer.
 */
export function closesTag(t: string, buf: Buffer, lt: number, nameEnd: number, at: number): boolean {
  return sameRun(buf, lt + 2, at, nameEnd - lt - 2) && isNameEnd(t.charCodeAt(at + nameEnd - lt - 2));
}

/**
 * A start tag and what checking it found, kept by the tag's exact bytes: clients send the same Envelope
 * tag, with the same namespace declarations, and the same header tags in every message, and reading
 * and checking tags is most of a scan. The result depends on nothing but the bytes, so a tag seen
 * before is not read again.
 */
export interface KnownTag {
  /** Its bytes, from `<` to `>`, as latin1 text ('' for a tag too long to be remembered). */
  readonly text: string;
  readonly length: number;
  /**
   * The start tag read right after it last time, compared first next time (a slice and one native
   * string comparison, no fingerprint lookup). Only tags remembered in the same epoch of KNOWN_TAGS are
   * linked, so the links never keep more tags alive than one epoch holds.
   */
  next: KnownTag | undefined;
  /** The epoch of KNOWN_TAGS it was remembered in; -1 when it was not. */
  epoch: number;
  readonly name: string;
  readonly selfClosing: boolean;
  readonly namespaces: TagNamespaces | undefined;
  /** How many attributes it has (held against each scanner's own limit). */
  readonly attributes: number;
  /**
   * The scope it was last found in, the scope inside it, and its resolved name there: found again in
   * that same scope (scopes are shared objects), it needs neither (the root's scope is always the same).
   */
  parentScope: ReadonlyMap<string, string> | undefined;
  scope: ReadonlyMap<string, string> | undefined;
  qname: QName | undefined;
}

/**
 * Known tags by a fingerprint of their bytes (length, middle and last character before the `>`): a
 * number is hashed at once, where a string key would be read whole to be hashed (an Envelope tag with
 * its namespace declarations is hundreds of bytes); the few tags of one fingerprint are compared whole.
 */
const KNOWN_TAGS = new Map<number, KnownTag[]>();
let knownTagCount = 0;
/** Counts the times KNOWN_TAGS started over. */
let knownEpoch = 0;
/** Bounds on what is kept: at most this many tags (then it starts over), each shorter than this. */
const KNOWN_TAG_COUNT = 512;
const KNOWN_TAG_LENGTH = 2048;

/** The fingerprint of the tag from `lt` to the `>` at `gt` (a small integer: its length is bounded). */
function fingerprint(t: string, lt: number, gt: number): number {
  const n = gt - lt;
  return (n << 16) | (t.charCodeAt(lt + (n >> 1)) << 8) | t.charCodeAt(gt - 1);
}

/**
 * The known tag whose bytes are those from `lt` to the `>` at `gt`, if any: the one that followed
 * `previous` last time, or one of its fingerprint. (Compared as strings, natively: a long tag compares
 * several times faster so than character by character, and faster than Buffer.compare's checks.)
 */
function knownTagAt(t: string, lt: number, gt: number, previous: KnownTag | undefined): KnownTag | undefined {
  const text = t.slice(lt, gt + 1);
  const next = previous?.next;
  if (next !== undefined && next.text === text) return next;
  const same = KNOWN_TAGS.get(fingerprint(t, lt, gt));
  if (same) for (const k of same) if (k.text === text) return k;
  return undefined;
}

/** Links `tag` as the one that follows `previous`, when both belong to the same epoch. */
function follows(previous: KnownTag | undefined, tag: KnownTag): void {
  if (previous && previous.next !== tag && previous.epoch === tag.epoch && tag.epoch >= 0) previous.next = tag;
}

function remember(tag: KnownTag, print: number): void {
  if (knownTagCount >= KNOWN_TAG_COUNT) {
    KNOWN_TAGS.clear();
    knownTagCount = 0;
    knownEpoch++;
  }
  tag.epoch = knownEpoch;
  const same = KNOWN_TAGS.get(print);
  if (same) same.push(tag);
  else KNOWN_TAGS.set(print, [tag]);
  knownTagCount++;
}

/** True when the `n` bytes of `buf` at `a` are those at `b` (no string made for either). */
function sameRun(buf: Buffer, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

/** True when `c` may follow a name in a start tag (so a start tag's name is not longer than an end tag's). */
function isNameEnd(c: number): boolean {
  return c === GT || c === SLASH || isSpace(c);
}

