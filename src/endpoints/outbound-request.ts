/**
 * What an endpoint hands the outbound HTTP edge and what it gets back: the request (URL, method,
 * headers, a body in memory or streamed, the message's abort, a timeout), the backend's raw response,
 * and a health check's request. A file of its own because its readers — address.ts, env.ts, the
 * exchange (response-stream.ts) and moor/testing's mocks — need these shapes, not undici: the edge
 * (outbound.ts) imports them, and nothing here imports the edge.
 */

/** What a backend answered. */
export interface RawResponse {
  readonly status: number;
  /** As a map with lower-case names, or as the lines came: names (in their own case) and values in turn. */
  readonly headers: Map<string, string | string[]> | readonly string[];
  /** The body as it streams in; `takeAll` hands it over at once when it has already all arrived. */
  readonly body: AsyncIterable<Buffer> & { takeAll?(maxBytes: number): Buffer[] | undefined };
  readonly length: number | undefined;
}

/** One outbound request. */
export interface OutboundRequest {
  readonly url: string;
  /** The HTTP method: POST when not given (SOAP); a REST API's as the message says (rest-request.ts). */
  readonly method?: string;
  /** Header names and values in turn (content-length excluded: it comes from `length`). */
  readonly headers: string[];
  /**
   * The bytes to send: one buffer when they are all in memory (then sent in one write with the
   * headers), else a stream of chunks.
   */
  readonly body: Buffer | AsyncIterable<Buffer>;
  readonly length: number | undefined;
  /** Ends the exchange when the message is aborted. */
  readonly abort: AbortSource;
  readonly timeoutMs: number;
}

/** What an exchange listens to for an abort (the message's MessageAbort; kept structural here). */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: Error | undefined;
  subscribe(listener: { onAbort(reason: Error): void }): void;
  unsubscribe(listener: { onAbort(reason: Error): void }): void;
}

/** What a health check sends. */
export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
}
