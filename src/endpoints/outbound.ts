/**
 * The outbound HTTP edge: the only importer of undici. One keep-alive Agent per gateway; each send
 * streams the request body and returns the response body as a stream, so neither direction is
 * buffered. Failures are classified the way routing needs: 'unreachable' (no connection: safe to try
 * elsewhere) or 'timeout' (the backend may have acted: never retried).
 */
import { Agent, errors as undiciErrors, request } from 'undici';
import { MoorError } from '../errors.ts';

/** Why a send failed. */
export type SendFailure = 'unreachable' | 'timeout';

/** A send that failed before a response came. */
export class EndpointError extends MoorError {
  constructor(
    readonly failure: SendFailure,
    readonly endpoint: string,
    detail: string,
    options?: { cause?: unknown },
    /** True when no byte reached the backend, so another endpoint may safely be tried. */
    readonly retryable = failure === 'unreachable',
  ) {
    super(
      failure === 'timeout' ? 'MOOR_ERR_ENDPOINT_TIMEOUT' : 'MOOR_ERR_ENDPOINT_UNREACHABLE',
      failure === 'timeout' ? `endpoint ${endpoint} timed out: ${detail}` : `endpoint ${endpoint} is unreachable: ${detail}`,
      options,
    );
  }
}

/** What a backend answered. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string | string[]>;
  readonly body: AsyncIterable<Buffer>;
  readonly length: number | undefined;
}

/** One outbound request. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: AsyncIterable<Buffer>;
  readonly length: number | undefined;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export class Outbound {
  private readonly agent: Agent;
  constructor(options: { connectTimeoutMs?: number; connections?: number } = {}) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 5000 },
      keepAliveTimeout: 4000,
      connections: options.connections ?? 256,
      pipelining: 1,
    });
  }

  /** Sends `req` to its URL; `name` names the endpoint in errors. */
  async send(name: string, req: OutboundRequest): Promise<RawResponse> {
    let bodyStarted = false;
    const body = (async function* () {
      for await (const c of req.body) {
        bodyStarted = true;
        yield c;
      }
    })();
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (req.length !== undefined) headers['content-length'] = String(req.length);
    try {
      const res = await request(req.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers,
        // undici streams an async iterable as the request body (its typings list only Readable)
        body: body as unknown as Uint8Array,
        signal: req.signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const out = new Map<string, string | string[]>();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k.toLowerCase(), v);
      const len = out.get('content-length');
      return { status: res.statusCode, headers: out, body: res.body, length: typeof len === 'string' ? Number(len) : undefined };
    } catch (e) {
      if (e instanceof MoorError) throw e;
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof MoorError) throw cause;
      if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError) {
        throw new EndpointError('timeout', name, `no response within ${req.timeoutMs} ms`, { cause: e });
      }
      const code = (e as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code ?? '';
      if (CONNECT_FAILURES.has(code) && !(bodyStarted && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'))) {
        throw new EndpointError('unreachable', name, code, { cause: e });
      }
      if (req.signal.aborted) throw e;
      // the connection broke after the request started: the backend may have acted on it
      throw new EndpointError('unreachable', name, (e as Error).message, { cause: e }, false);
    }
  }

  /** Closes idle connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
