/**
 * Limits on traffic: sizes of messages, and how long and how many connections may be held. Every
 * refusal they cause is a SOAP fault or a closed connection, never a crash. Each has a default here, a
 * setting in `<moor:limits …/>` (src/config/limits-setting.ts, the attribute has the field's name) and a
 * row in docs/configuration.md.
 */
export interface MessageLimits {
  /** Whole message, head and body (HTTP 413 beyond, answered at once and the connection closed). */
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
  /** A session id (UTF-8 bytes) longer than this is refused and never stored. */
  readonly maxSessionIdBytes: number;
  /** A value a mediator puts into an HTTP header may be at most this long (bytes). */
  readonly maxHeaderValueBytes: number;
  /** A request's line and headers must have arrived this long (ms) after it began (HTTP 408 beyond). */
  readonly headTimeoutMs: number;
  /** A request body that the gateway waits for may send nothing for at most this long (ms). */
  readonly bodyStallMs: number;
  /** A request body may be waited for this long (ms) in all, however steadily it trickles. */
  readonly bodyTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this long (ms). */
  readonly idleTimeoutMs: number;
  /** Connections open at once on the traffic port; one more is closed as it is accepted. */
  readonly maxConnections: number;
  /** Requests one connection may have waiting for their answers (a client that pipelines); past it the connection is closed. */
  readonly maxPipelinedRequests: number;
  /** A `<script>` runs at most this long (ms) for one message; then it is stopped and the message faults. */
  readonly scriptTimeoutMs: number;
  /** Memory one `<script>`'s interpreter may hold (bytes); past it the script fails with out of memory. */
  readonly scriptMemoryBytes: number;
  /** `<script>` runs that may wait for a worker thread at once, per process; one more is refused (MOOR_ERR_SCRIPT_BUSY). */
  readonly scriptQueueMax: number;
  /** An `<xslt>` transform may hold the event loop this long (ms; looked at every 1024 steps). */
  readonly xsltTimeoutMs: number;
  /** Instructions run plus templates applied in one `<xslt>` transform. */
  readonly xsltMaxSteps: number;
  /** Templates nested within one another in one transform (each is a JavaScript frame: keep it well under the stack). */
  readonly xsltMaxDepth: number;
  /** Nodes in one transform's result. */
  readonly xsltMaxNodes: number;
  /** Response bytes that every `<cache>` of the process may keep together; a response past it is not kept. */
  readonly cacheMaxBytes: number;
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
  maxSessionIdBytes: 1024,
  maxHeaderValueBytes: 8 * 1024,
  headTimeoutMs: 10_000,
  bodyStallMs: 30_000,
  bodyTimeoutMs: 300_000,
  idleTimeoutMs: 5_000,
  maxConnections: 10_000,
  // (Node parses pipelined requests as they arrive: 20,000 written at once to a slow backend held ~190 MB)
  maxPipelinedRequests: 64,
  // (scripts run on worker threads: this bounds the message that runs one, not the others)
  scriptTimeoutMs: 100,
  scriptMemoryBytes: 32 * 1024 * 1024,
  // (2 threads at scriptTimeoutMs each: 256 waiting is at most ~13 s of queue at the default bound)
  scriptQueueMax: 256,
  // (a transform runs on the event loop, over the already-bounded body: these bound what a stylesheet's loop can hold)
  xsltTimeoutMs: 250,
  xsltMaxSteps: 200_000,
  xsltMaxDepth: 500,
  xsltMaxNodes: 100_000,
  cacheMaxBytes: 64 * 1024 * 1024,
});

/** The limit names, as `<moor:limits>` attributes. */
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof MessageLimits)[];
