/**
 * The admin listener's own limits, set as attributes of `<moor:admin>` (`<moor:admin maxConnections="16"
 * headTimeoutMs="5000"/>`). They are apart from the traffic port's `<moor:limits>`: admin calls are few,
 * small and short, so their defaults are much tighter, and a flood on the traffic port does not move them.
 * They are read when the listener starts (a reload does not change them; Node fixes the head size of a
 * server when it is made).
 */
export interface AdminLimits {
  /** A request's line and headers must have arrived this long (ms) after it began (Node's bare 408 beyond). */
  readonly headTimeoutMs: number;
  /** A whole request must have arrived this long (ms) after it began. */
  readonly requestTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this long (ms). */
  readonly idleTimeoutMs: number;
  /** A request's line and headers may be at most this long (bytes; 431 beyond). */
  readonly maxHeadBytes: number;
  /** Connections open at once; one more is closed as it is accepted. */
  readonly maxConnections: number;
  /** Requests one connection may have waiting for their answers (pipelined); one more closes the connection. */
  readonly maxPipelinedRequests: number;
  /** The largest request body (bytes): no admin route reads one, so it is only thrown away; 413 or the connection closed beyond. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_ADMIN_LIMITS: AdminLimits = Object.freeze({
  headTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
  maxHeadBytes: 16 * 1024,
  maxConnections: 64,
  // (moor's own clients, the console and Prometheus send one request at a time; 20,000 pipelined
  // GET /metrics took a gateway from 127 to 522 MB and 20 s of its CPU)
  maxPipelinedRequests: 16,
  maxBodyBytes: 64 * 1024,
});

/** The limit names, as `<moor:admin>` attributes. */
export const ADMIN_LIMIT_NAMES = Object.keys(DEFAULT_ADMIN_LIMITS) as (keyof AdminLimits)[];
