/**
 * The bytes of one message (request or response), read only as far as needed. The head is read and
 * kept; the rest stays in the source stream and is forwarded untouched, chunk by chunk, as it arrives.
 * Up to `replayBytes` of what was forwarded is remembered, so that a send whose connection failed can be
 * replayed to another endpoint; a larger body that already started flowing cannot be replayed.
 */
import { MoorError } from '../errors.ts';
import { type HeadBoundary, HeadScanner, type ScanResult } from '../xml/head-scanner.ts';
import { XmlSyntaxError } from '../xml/parse.ts';
import { type MessageLimits } from './limits.ts';

const EMPTY = Buffer.alloc(0);
const DOCTYPE = '<!DOCTYPE';
const MARKUP = Buffer.from('<!');

/** What reading the head found: the bytes so far and where the head ends. */
export interface ReadHead {
  readonly bytes: Buffer;
  readonly boundary: HeadBoundary | 'ended';
  /** `bytes` as latin1 text, one character per byte (the scanner's view of them). */
  readonly text: string;
}

/**
 * A source that may already hold every chunk of its message (a small response usually arrives whole,
 * with its headers): then the body takes them at once and the message goes on as one buffer, with no
 * stream to pull.
 */
export interface SettledSource extends AsyncIterable<Buffer> {
  /**
   * Every chunk, handed over (the source is then empty), when the message is complete and holds at
   * most `maxBytes`; else undefined, and nothing is taken.
   */
  takeAll?(maxBytes: number): Buffer[] | undefined;
}

export class MessageBody {
  private prefix: Buffer = EMPTY;
  private source: AsyncIterator<Buffer> | undefined;
  private head: ReadHead | undefined;
  private replacement: { bytes: Buffer; end: number } | undefined;
  private recorded: Buffer[] = [];
  private recordedBytes = 0;
  private overflowed = false;
  private received = 0;
  private carry = EMPTY;

  /**
   * @param source the remaining bytes of the message
   * @param declaredLength Content-Length as announced, when it was
   * @param guarded refuse a DOCTYPE in the body too (requests from clients; responses are trusted)
   */
  constructor(
    source: SettledSource | Buffer,
    private readonly limits: MessageLimits,
    readonly declaredLength?: number,
    private readonly guarded = true,
  ) {
    const all = Buffer.isBuffer(source) ? [source] : source.takeAll?.(limits.maxMessageBytes);
    if (all) {
      this.prefix = all.length === 1 ? all[0]! : Buffer.concat(all);
      this.received = this.prefix.length;
    } else this.source = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /**
   * The head, read at once when every byte of the message is already in memory (a small request, a
   * response that came whole); undefined when bytes are still to come (then {@link readHead}).
   */
  readHeadNow(): ReadHead | undefined {
    if (this.head) return this.head;
    if (this.source) return undefined;
    const scanner = new HeadScanner(this.limits);
    const result: ScanResult = this.prefix.length ? scanner.scan(this.prefix) : 'more';
    if (result === 'more') throw this.endedEarly();
    return this.headFound(scanner, result);
  }

  /** Reads until the end of the SOAP head is known. Throws MoorError on hostile or broken input. */
  async readHead(): Promise<ReadHead> {
    const now = this.readHeadNow();
    if (now) return now;
    const scanner = new HeadScanner(this.limits);
    let result: ScanResult = this.prefix.length ? scanner.scan(this.prefix) : 'more';
    while (result === 'more') {
      const chunk = await this.pull();
      if (!chunk) throw this.endedEarly();
      this.prefix = this.prefix.length ? Buffer.concat([this.prefix, chunk]) : chunk;
      result = scanner.scan(this.prefix);
    }
    return this.headFound(scanner, result);
  }

  /** What a message that ends before its Body starts is told. */
  private endedEarly(): MoorError {
    if (this.prefix.length === 0) return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the request has no content');
    return new XmlSyntaxError('the message ends before its SOAP Body starts');
  }

  /** Keeps what the scan found, and holds the bytes read past the head to the body's DOCTYPE guard. */
  private headFound(scanner: HeadScanner, result: HeadBoundary | 'ended'): ReadHead {
    // all the announced bytes are here: the message goes on as one buffer (see `whole`) rather than as
    // a stream. HTTP framing ends a message at its Content-Length, so nothing more can come; the
    // stream's own end is left to whoever owns it (the server drains the request when it answered).
    if (this.source && this.declaredLength !== undefined && this.received >= this.declaredLength) this.source = undefined;
    this.head = { bytes: this.prefix, boundary: result, text: scanner.text };
    // what was read past the head is body: it gets the same DOCTYPE guard as the rest of the stream
    // (one native search for "<!"; the scanner read only the head as text)
    const tailFrom = result === 'ended' ? this.prefix.length : result.bodyTagEnd;
    if (this.guarded) {
      const at = this.prefix.indexOf(MARKUP, tailFrom);
      if (at >= 0 && hasDoctype(this.prefix.toString('latin1', at), 0)) throw doctypeRefused();
      this.keepCarry(this.prefix, tailFrom);
    }
    return this.head;
  }

  /** Replaces bytes [0, end) of the message with `bytes` when forwarding (a rewritten head). */
  replaceHead(bytes: Buffer, end: number): void {
    this.replacement = { bytes, end };
  }

  /** Reads the whole message into memory (bounded by maxMessageBytes) and returns it. */
  async readAll(): Promise<Buffer> {
    if (this.overflowed) throw new MoorError('MOOR_ERR_MEDIATION', 'the message body was already forwarded and cannot be read again');
    // chunks an earlier send attempt forwarded lie between the prefix and the rest of the stream
    const parts = [this.prefix, ...this.recorded];
    this.recorded = [];
    this.recordedBytes = 0;
    for (let c = await this.pull(); c; c = await this.pull()) {
      this.guard(c);
      parts.push(c);
    }
    this.prefix = parts.length === 1 ? this.prefix : Buffer.concat(parts);
    if (this.replacement) {
      this.prefix = Buffer.concat([this.replacement.bytes, this.prefix.subarray(this.replacement.end)]);
      this.replacement = undefined;
      this.head = undefined;
    }
    return this.prefix;
  }

  /** Drops what is still to come from the source (a message nobody will forward), closing it. */
  async discard(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    await source?.return?.();
  }

  /** Replaces the whole message (a rewritten envelope). */
  replaceAll(bytes: Buffer): void {
    this.prefix = bytes;
    this.source = undefined;
    this.replacement = undefined;
    this.head = undefined;
    // chunks kept for a replay belong to the old message
    this.recorded = [];
    this.recordedBytes = 0;
    this.overflowed = false;
  }

  /** The bytes read from the source so far (the head and whatever arrived with it). */
  get bytesRead(): Buffer {
    return this.prefix;
  }

  /** True while the forwarded bytes can still be produced again from the start. */
  get replayable(): boolean {
    return !this.overflowed;
  }

  /** The exact length of what {@link open} yields, when it can be known before sending. */
  get length(): number | undefined {
    // once the source is drained, the chunks kept for a replay are part of what open() yields again
    const base = this.source ? this.declaredLength : this.prefix.length + this.recordedBytes;
    if (base === undefined) return undefined;
    return this.replacement ? base - this.replacement.end + this.replacement.bytes.length : base;
  }

  /**
   * The forwarded bytes as one buffer when all of them are in memory (the source is drained and nothing
   * was let go), so that a sender can write them at once; undefined while bytes are still to come.
   */
  get whole(): Buffer | undefined {
    if (this.source || this.overflowed) return undefined;
    if (!this.replacement && this.recorded.length === 0) return this.prefix;
    const parts = this.replacement ? [this.replacement.bytes, this.prefix.subarray(this.replacement.end)] : [this.prefix];
    for (const r of this.recorded) parts.push(r);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** How many bytes of the message have been taken in so far (the whole message, once it was read). */
  get bytesReceived(): number {
    return this.received;
  }

  /** The forwarded bytes, from the start. Each send attempt opens it anew. */
  async *open(): AsyncGenerator<Buffer> {
    if (this.overflowed) throw new MoorError('MOOR_ERR_MEDIATION', 'the message body was already forwarded and cannot be sent again');
    if (this.replacement) {
      yield this.replacement.bytes;
      const rest = this.prefix.subarray(this.replacement.end);
      if (rest.length) yield rest;
    } else if (this.prefix.length) yield this.prefix;
    for (const r of this.recorded) yield r;
    for (let c = await this.pull(); c; c = await this.pull()) {
      this.guard(c);
      this.record(c);
      yield c;
    }
  }

  private record(c: Buffer): void {
    if (this.overflowed) return;
    if (this.recordedBytes + c.length > this.limits.replayBytes) {
      this.overflowed = true;
      this.recorded = [];
      return;
    }
    this.recorded.push(c);
    this.recordedBytes += c.length;
  }

  private async pull(): Promise<Buffer | undefined> {
    if (!this.source) return undefined;
    const r = await this.source.next();
    if (r.done) {
      this.source = undefined;
      return undefined;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.received += chunk.length;
    if (this.received > this.limits.maxMessageBytes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message is larger than ${this.limits.maxMessageBytes} bytes`);
    }
    return chunk;
  }

  /** Refuses a DOCTYPE anywhere in the body, even split across two chunks. */
  private guard(chunk: Buffer): void {
    if (chunk.length === 0 || !this.guarded) return;
    const window = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    // one native search for "<!" (rare in a body: comments, CDATA); only a chunk that has one is read as text
    const at = window.indexOf(MARKUP);
    if (at >= 0 && hasDoctype(window.toString('latin1', at), 0)) throw doctypeRefused();
    this.keepCarry(window, 0);
  }

  /**
   * Keeps the last bytes of `bytes` (from `from` on) that could begin a DOCTYPE split across chunks,
   * while more can come; copied, so that the carry does not pin a whole chunk in memory.
   */
  private keepCarry(bytes: Buffer, from: number): void {
    if (this.source) this.carry = Buffer.from(bytes.subarray(Math.max(from, bytes.length - (DOCTYPE.length - 1))));
  }
}

/** True when `text` (bytes as latin1) holds `<!DOCTYPE`, in any case, from `from` on. */
function hasDoctype(text: string, from: number): boolean {
  for (let at = text.indexOf('<!', from); at >= 0; at = text.indexOf('<!', at + 2)) {
    if (at + DOCTYPE.length > text.length) return false;
    if (text.slice(at + 2, at + DOCTYPE.length).toUpperCase() === 'DOCTYPE') return true;
  }
  return false;
}

function doctypeRefused(): MoorError {
  return new MoorError('MOOR_ERR_DOCTYPE', 'a SOAP message must not contain a document type declaration (<!DOCTYPE)');
}
