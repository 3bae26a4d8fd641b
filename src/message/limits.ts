/** Size limits on traffic. Every refusal they cause is a SOAP fault, never a crash. */
export interface MessageLimits {
  /** Whole message, head and body (HTTP 413 beyond). */
  readonly maxMessageBytes: number;
  /** Bytes read while looking for the end of the SOAP Header. */
  readonly maxHeadBytes: number;
  /** Element nesting inside the head. */
  readonly maxDepth: number;
  /** Attributes on one element of the head. */
  readonly maxAttributes: number;
  /** Bytes of body kept so that a failed connect can be retried on another endpoint. */
  readonly replayBytes: number;
}

/** Defaults: large enough for real traffic (a 50 MB envelope passes), small enough to bound memory. */
export const DEFAULT_LIMITS: MessageLimits = Object.freeze({
  maxMessageBytes: 128 * 1024 * 1024,
  maxHeadBytes: 1024 * 1024,
  maxDepth: 64,
  maxAttributes: 256,
  replayBytes: 1024 * 1024,
});
