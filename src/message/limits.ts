/** Size limits on traffic. Every refusal they cause is a SOAP fault, never a crash. */
export interface MessageLimits {
  /** Whole message, head and body (HTTP 413 beyond). */
  readonly maxMessageBytes: number;
  /** Bytes read while looking for the end of the SOAP Header. */
  readonly maxHeadBytes: number;
  /** Element nesting, in the head and in the body (the streaming check holds the whole message to it). */
  readonly maxDepth: number;
  /** Attributes on one element, in the head and in the body. */
  readonly maxAttributes: number;
  /**
   * The largest message a mediator may parse whole into a tree (an XPath on `$body`, `<log level="full">`,
   * enrich, payloadFactory…; HTTP 413 at once beyond, before the rest is read).
   */
  readonly maxParseBytes: number;
  /** Message bytes held parsed as trees at one moment, across all requests (beyond: wait, or 503). */
  readonly parseBudgetBytes: number;
  /** Bytes of body kept so that a failed connect can be retried on another endpoint. */
  readonly replayBytes: number;
}

/** Defaults: large enough for real traffic (a 50 MB envelope passes), small enough to bound memory. */
export const DEFAULT_LIMITS: MessageLimits = Object.freeze({
  maxMessageBytes: 128 * 1024 * 1024,
  maxHeadBytes: 1024 * 1024,
  maxDepth: 64,
  maxAttributes: 256,
  maxParseBytes: 8 * 1024 * 1024,
  parseBudgetBytes: 32 * 1024 * 1024,
  replayBytes: 1024 * 1024,
});
