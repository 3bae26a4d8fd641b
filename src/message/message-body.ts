/**
 * The bytes of one message (request or response), read only as far as needed. The head is read and
 * kept; the rest stays in the source stream and is forwarded untouched, chunk by chunk, as it arrives.
 * Up to `replayBytes` of what was forwarded is remembered, so that a send whose connection failed can be
 * replayed to another endpoint; a larger body that already started flowing cannot be replayed.
 *
 * Every byte from a client or a backend passes the streaming envelope check (envelope-check.ts) before
 * it is handed on: a chunk that breaks the message is never yielded, and the chunk that completes the
 * message is yielded only once the whole message proved well formed, so a malformed message is never
 * forwarded whole (the send fails, and undici aborts the request it was streaming).
 */
import { MoorError } from '../errors.ts';
import { EnvelopeCheck } from '../xml/envelope-check.ts';
import { type HeadBoundary, type ScanResult } from '../xml/head-index.ts';
import { HeadScanner } from '../xml/head-scanner.ts';
import { XmlSyntaxError } from '../xml/parse.ts';
import { soapVersionOf } from '../xml/soap.ts';
import { BadReplyError } from './bad-reply.ts';
import { type MessageLimits } from './limits.ts';

const EMPTY = Buffer.alloc(0);

/**
 * Who sent a message's bytes, which says whether they are checked and whom a problem blames: a client
 * (its faults are the sender's), a backend endpoint named `backend` (its faults are the receiver's, and
 * name the endpoint), or moor itself and the code it runs (envelopes it wrote: not checked).
 */
export type BodyOrigin = 'client' | 'trusted' | { readonly backend: string };

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
  /** The check of the bytes still to come; undefined before it starts and once it is over. */
  private checker: EnvelopeCheck | undefined;
  /** True once every byte was checked (or none needs to be). */
  private checked: boolean;
  /**
   * True for a payload that is not XML (JSON, text, binary a REST API carries as it came,
   * rest-payload.ts): nothing reads it as an envelope. Cleared when the message is replaced.
   */
  opaque = false;

  /**
   * @param source the remaining bytes of the message
   * @param declaredLength Content-Length as announced, when it was
   * @param origin who sent the bytes: whether they are checked, and whom a problem blames
   */
  constructor(
    source: SettledSource | Buffer,
    /** The limits in force (mediators read theirs here). */
    readonly limits: MessageLimits,
    readonly declaredLength?: number,
    readonly origin: BodyOrigin = 'client',
  ) {
    this.checked = origin === 'trusted';
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
    try {
      const scanner = new HeadScanner(this.limits);
      const result: ScanResult = this.prefix.length ? scanner.scan(this.prefix) : 'more';
      if (result === 'more') throw this.endedEarly();
      return this.headFound(scanner, result);
    } catch (e) {
      throw this.blame(e);
    }
  }

  /** Reads until the end of the SOAP head is known. Throws MoorError on hostile or broken input. */
  async readHead(): Promise<ReadHead> {
    const now = this.readHeadNow();
    if (now) return now;
    try {
      const scanner = new HeadScanner(this.limits);
      let result: ScanResult = this.prefix.length ? scanner.scan(this.prefix) : 'more';
      while (result === 'more') {
        const chunk = await this.pull();
        if (!chunk) throw this.endedEarly();
        this.prefix = this.prefix.length ? Buffer.concat([this.prefix, chunk]) : chunk;
        result = scanner.scan(this.prefix);
      }
      return this.headFound(scanner, result);
    } catch (e) {
      throw this.blame(e);
    }
  }

  /**
   * `e` as the fault it makes: a backend's broken reply blames the backend (by its name, the details
   * kept for the log); a client's problem stays the sender's.
   */
  blame(e: unknown): unknown {
    if (typeof this.origin === 'string' || !(e instanceof MoorError) || e instanceof BadReplyError) return e;
    return new BadReplyError(this.origin.backend, e);
  }

  /** What a message that ends before its Body starts is told. */
  private endedEarly(): MoorError {
    if (this.prefix.length === 0) return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the request has no content');
    return new XmlSyntaxError('the message ends before its SOAP Body starts');
  }

  /** Keeps what the scan found, and checks the bytes read past the head. */
  private headFound(scanner: HeadScanner, result: HeadBoundary | 'ended'): ReadHead {
    // all the announced bytes are here: the message goes on as one buffer (see `whole`) rather than as
    // a stream. HTTP framing ends a message at its Content-Length, so nothing more can come; the
    // stream's own end is left to whoever owns it (the server drains the request when it answered).
    if (this.source && this.declaredLength !== undefined && this.received >= this.declaredLength) this.source = undefined;
    this.head = { bytes: this.prefix, boundary: result, text: scanner.text };
    // the check goes on after the Body start tag, where the scanner stopped (a root that closed
    // without a Body, or a head that stopped at something else, is refused when the head is parsed)
    if (!this.checked && !this.checker) {
      if (result === 'ended' || !endsAtSoapBody(result)) this.checked = true;
      else {
        this.checker = EnvelopeCheck.after(result, this.limits);
        this.checkChunk(this.prefix.subarray(result.bodyTagEnd));
        if (!this.source) this.finishCheck();
      }
    }
    return this.head;
  }

  /** Starts the check from the first byte, for a message whose head was never read. */
  private startCheck(): void {
    if (this.checked || this.checker) return;
    this.checker = EnvelopeCheck.fresh(this.limits);
    this.checkChunk(this.prefix);
    if (!this.source) this.finishCheck();
  }

  private checkChunk(chunk: Buffer): void {
    try {
      this.checker!.feed(chunk);
    } catch (e) {
      throw this.blame(e);
    }
  }

  /** The message is complete: the check must have seen its Envelope close. */
  private finishCheck(): void {
    const checker = this.checker!;
    this.checker = undefined;
    this.checked = true;
    // a backend may answer with no body at all (202 Accepted)
    if (this.received === 0 && typeof this.origin !== 'string') return;
    try {
      checker.end();
    } catch (e) {
      throw this.blame(e);
    }
  }

  /** Replaces bytes [0, end) of the message with `bytes` when forwarding (a rewritten head). */
  replaceHead(bytes: Buffer, end: number): void {
    this.replacement = { bytes, end };
  }

  /**
   * Reads the whole message into memory (bounded by maxMessageBytes, or by `maxBytes` when given: a
   * message to be parsed is refused as soon as it grows past what may be parsed) and returns it.
   */
  async readAll(maxBytes = this.limits.maxMessageBytes): Promise<Buffer> {
    if (this.overflowed) throw new MoorError('MOOR_ERR_MEDIATION', 'the message body was already forwarded and cannot be read again');
    this.startCheck();
    // chunks an earlier send attempt forwarded lie between the prefix and the rest of the stream
    const parts = [this.prefix, ...this.recorded];
    this.recorded = [];
    this.recordedBytes = 0;
    for (let c = await this.pull(); c; c = await this.pull()) {
      if (this.received > maxBytes) throw this.blame(tooLargeToParse(maxBytes));
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
    this.opaque = false;
    this.prefix = bytes;
    this.source = undefined;
    this.replacement = undefined;
    this.head = undefined;
    // chunks kept for a replay belong to the old message
    this.recorded = [];
    this.recordedBytes = 0;
    this.overflowed = false;
    // moor wrote it: nothing is left to check
    this.checker = undefined;
    this.checked = true;
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
   * Throws MoorError when those bytes fail the envelope check (a message whose head was never read is
   * checked here, before any of it is written).
   */
  get whole(): Buffer | undefined {
    if (this.source || this.overflowed) return undefined;
    this.startCheck();
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
    this.startCheck();
    if (this.replacement) {
      yield this.replacement.bytes;
      const rest = this.prefix.subarray(this.replacement.end);
      if (rest.length) yield rest;
    } else if (this.prefix.length) yield this.prefix;
    for (const r of this.recorded) yield r;
    for (let c = await this.pull(); c; c = await this.pull()) {
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
      if (this.checker) this.finishCheck();
      return undefined;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.received += chunk.length;
    if (this.received > this.limits.maxMessageBytes) {
      throw this.blame(new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message is larger than ${this.limits.maxMessageBytes} bytes`));
    }
    if (this.checker) {
      this.checkChunk(chunk);
      // the chunk that completes the announced length is handed on only once the whole message passed
      if (this.declaredLength !== undefined && this.received >= this.declaredLength) this.finishCheck();
    }
    return chunk;
  }
}

/** True when the head ends at the SOAP Body of its Envelope's own namespace (the head parse refuses anything else). */
function endsAtSoapBody(b: HeadBoundary): boolean {
  const { envelope, body } = b.index;
  return body.local === 'Body' && body.uri === envelope.uri && soapVersionOf(envelope.uri) !== undefined;
}

/** The refusal of a message larger than a mediator may parse. */
export function tooLargeToParse(maxBytes: number): MoorError {
  return new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message is larger than ${maxBytes} bytes, the most a mediator may parse (maxParseBytes)`);
}
