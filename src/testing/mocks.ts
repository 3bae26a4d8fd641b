/**
 * Mocked endpoints: what a test declares in place of each backend, and how a send finds its mock.
 *
 * Matching rule. Every address endpoint answers to several names, tried in this order:
 *   1. its own `name=` (`<endpoint name="cart1"><address …/></endpoint>`);
 *   2. the names of the groups it belongs to, innermost first (`<loadbalance>` / `<failover>` inside
 *      `<endpoint name="CartNodes">`), then the key of the named endpoint that holds it;
 *   3. its address URI (`http://…` as configured), then the URL the message went to.
 * The first name that has a mock wins; mocks given to one run are looked up before the harness's own.
 * An address that is a member of several groups is one endpoint in moor: mock it by its own name (or
 * URI) when the groups must answer alike, since a group name then matches it whichever group sent.
 */
import { type AddressEndpoint } from '../endpoints/address.ts';
import { type Endpoint } from '../endpoints/endpoint.ts';
import { unwrapped } from '../endpoints/affinity.ts';
import { GroupEndpoint } from '../endpoints/group.ts';
import { type OutboundRequest, type RawResponse } from '../endpoints/outbound-request.ts';
import { EndpointError } from '../endpoints/send-failure.ts';
import { type EndpointRegistry } from '../endpoints/registry.ts';
import { MoorError } from '../errors.ts';
import { headerMapOf } from '../message/context.ts';
import { type CompiledConfig } from '../mediators/compile.ts';
import { type ManualClock } from '../session/clock.ts';
import { NS } from '../xml/names.ts';
import { contentTypeOf } from '../xml/soap.ts';
import { readSource } from './input.ts';

/** Transport headers as a plain object with lower-case names. */
export type Headers = Record<string, string | string[]>;

/** What a mocked endpoint answers. Every field is optional: the default is an empty 200. */
export interface MockReply {
  /** HTTP status (200). */
  readonly status?: number;
  /** Response headers; Content-Type defaults to the SOAP version of the envelope. */
  readonly headers?: Headers;
  /** The response envelope: XML text, or a file path (relative to the harness's baseDir); a Buffer as it is. */
  readonly envelope?: string | Buffer;
  /** Answer only after this many milliseconds of the harness's virtual clock (no real waiting). */
  readonly delayMs?: number;
  /**
   * Fail instead of answering: 'unreachable' as a refused connection (the endpoint is suspended and a
   * group tries the next member), 'timeout' as a backend that never answers.
   */
  readonly fail?: 'unreachable' | 'timeout';
}

/** A message an endpoint received, as the mock (and the test result) sees it. */
export interface EndpointCall {
  /** The endpoint's first name (its `name=`, else its group's, else its URI). */
  readonly endpoint: string;
  /** Every name the endpoint answers to, in matching order. */
  readonly names: readonly string[];
  /** The endpoint's stable id (`name@uri`), as session bindings name it. */
  readonly id: string;
  /** The URL the message was sent to. */
  readonly url: string;
  /** The HTTP method it was sent with (POST for SOAP; a REST API's or an <http> endpoint's own). */
  readonly method: string;
  /** The HTTP headers sent (lower-case names). */
  readonly headers: Headers;
  /** The envelope sent, as text. */
  readonly envelope: string;
  /** The virtual time at which it was sent. */
  readonly at: number;
  /** 0 for the first call a mock answers, 1 for the second… */
  readonly index: number;
  /** How the mock answered: its status, or the failure it played. */
  outcome?: number | 'unreachable' | 'timeout';
}

/** A mock as a function of the request (may be async). */
export type MockFunction = (request: EndpointCall) => MockReply | string | Promise<MockReply | string>;

/**
 * A mock: an envelope (XML text or file path), a reply, a function of the request, or a list of
 * replies given to successive calls (the last one repeats).
 */
export type Mock = string | MockReply | MockFunction | readonly (string | MockReply)[];

/** Mocks by endpoint name, group name or URI (see the matching rule above). */
export type Mocks = Readonly<Record<string, Mock>>;

/** A table of mocks with their call counters. */
export class MockTable {
  private readonly entries = new Map<string, { mock: Mock; calls: number }>();
  private readonly predicates: { test: (url: string) => boolean; entry: { mock: Mock; calls: number } }[] = [];

  constructor(mocks: Mocks = {}) {
    for (const [name, mock] of Object.entries(mocks)) this.entries.set(name, { mock, calls: 0 });
  }

  /** Adds a mock chosen by the URL a message goes to (WSO2 mock services, by port and context). */
  addUrlMock(test: (url: string) => boolean, mock: Mock): void {
    this.predicates.push({ test, entry: { mock, calls: 0 } });
  }

  /** The mock for the first of `names` that has one, else one whose URL test passes. */
  find(names: readonly string[], url: string): { mock: Mock; calls: number } | undefined {
    for (const n of names) {
      const e = this.entries.get(n);
      if (e) return e;
    }
    return this.predicates.find((p) => p.test(url))?.entry;
  }

  /** True when no mock is declared. */
  get empty(): boolean {
    return this.entries.size === 0 && this.predicates.length === 0;
  }
}

/** The names each address endpoint answers to (see the matching rule), built once per registry. */
export function endpointNames(compiled: CompiledConfig, registry: EndpointRegistry): Map<Endpoint, string[]> {
  const names = new Map<Endpoint, string[]>();
  const walk = (outside: Endpoint, outer: readonly string[]): void => {
    const e = unwrapped(outside);
    if (e instanceof GroupEndpoint) {
      const here = e.def.name !== undefined ? [e.def.name, ...outer] : outer;
      for (const m of e.members) walk(m, here);
      return;
    }
    const address = e as AddressEndpoint;
    const list = names.get(e) ?? [];
    for (const n of [address.def.name, ...outer]) if (n !== undefined && !list.includes(n)) list.push(n);
    names.set(e, list);
  };
  for (const key of compiled.config.endpoints.keys()) {
    const e = registry.byName(key);
    if (e) walk(e, [key]);
  }
  for (const def of compiled.inlineEndpoints) walk(registry.of(def), def.kind === 'ref' ? [def.key] : []);
  return names;
}

/** Everything a mocked send needs from the harness and the run. */
export interface MockContext {
  readonly clock: ManualClock;
  readonly baseDir: string;
  /** Run mocks first, then the harness's. */
  readonly tables: readonly MockTable[];
  readonly names: ReadonlyMap<Endpoint, readonly string[]>;
  /** Where calls are recorded. */
  readonly calls: EndpointCall[];
}

/**
 * Answers `request` for `endpoint` from its mock. Throws MOOR_ERR_UNMOCKED_ENDPOINT naming the endpoint
 * when nothing matches, EndpointError for a mock that plays a failure.
 */
export async function mockedSend(ctx: MockContext, id: string, request: OutboundRequest, endpoint: AddressEndpoint): Promise<RawResponse> {
  const uri = endpoint.def.uri;
  const names = [...(ctx.names.get(endpoint) ?? (endpoint.def.name !== undefined ? [endpoint.def.name] : [])), uri];
  if (request.url !== uri) names.push(request.url);
  let entry;
  for (const t of ctx.tables) if ((entry = t.find(names, request.url))) break;
  if (!entry) {
    throw new MoorError('MOOR_ERR_UNMOCKED_ENDPOINT', `endpoint ${names[0]} (${id}) has no mock; mock it by one of: ${[...new Set(names)].join(', ')}`);
  }
  const chunks: Buffer[] = [];
  if (Buffer.isBuffer(request.body)) chunks.push(request.body);
  else for await (const c of request.body) chunks.push(c);
  const headers: Headers = Object.fromEntries(headerMapOf(request.headers));
  const call: EndpointCall = {
    endpoint: names[0]!,
    names: [...new Set(names)],
    id,
    url: request.url,
    method: request.method ?? 'POST',
    headers,
    envelope: Buffer.concat(chunks).toString('utf8'),
    at: ctx.clock.now(),
    index: entry.calls++,
  };
  ctx.calls.push(call);
  const reply = await replyOf(entry.mock, call);
  const delay = reply.delayMs ?? 0;
  if (reply.fail === 'timeout' || delay >= request.timeoutMs) {
    ctx.clock.advance(request.timeoutMs);
    call.outcome = 'timeout';
    throw new EndpointError('timeout', endpoint.label, `no response within ${request.timeoutMs} ms (mocked${reply.fail ? '' : ` delay of ${delay} ms`})`);
  }
  if (reply.fail === 'unreachable') {
    call.outcome = 'unreachable';
    throw new EndpointError('unreachable', endpoint.label, 'ECONNREFUSED (mocked)');
  }
  if (delay > 0) ctx.clock.advance(delay);
  const body = reply.envelope === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.envelope) ? reply.envelope : Buffer.from(await readSource(reply.envelope, ctx.baseDir));
  const text = body.toString('utf8');
  const out = new Map<string, string | string[]>();
  if (body.length) out.set('content-type', replyType(text));
  for (const [k, v] of Object.entries(reply.headers ?? {})) out.set(k.toLowerCase(), v);
  out.set('content-length', String(body.length));
  call.outcome = reply.status ?? 200;
  return {
    status: reply.status ?? 200,
    headers: out,
    body: (async function* () {
      if (body.length) yield body;
    })(),
    length: body.length,
  };
}

/**
 * The content type a mock's reply is given unless its headers say one: a SOAP envelope's version, XML
 * that is not one (a REST backend's POX), JSON, or text.
 */
function replyType(text: string): string {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('<')) {
    if (!/^(?:<\?[\s\S]*?\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?Envelope[\s>]/.test(t)) return 'application/xml';
    return contentTypeOf(text.includes(NS.soap12) ? '1.2' : '1.1');
  }
  try {
    JSON.parse(t);
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}

/** The reply `mock` gives to `call`. */
async function replyOf(mock: Mock, call: EndpointCall): Promise<MockReply> {
  let m: Mock | MockReply = mock;
  if (typeof m === 'function') m = await m(call);
  if (Array.isArray(m)) m = (m[Math.min(call.index, m.length - 1)] ?? {}) as string | MockReply;
  return typeof m === 'string' ? { envelope: m } : (m as MockReply);
}
