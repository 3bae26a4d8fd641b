/**
 * The test harness: a configuration loaded once, run in-process on sample envelopes with mocked
 * endpoints. No socket is opened and no real time passes: endpoints send through the mocks (the
 * EndpointEnv `send` seam), and the session table, endpoint suspension and mock delays all read one
 * injected ManualClock. Runs of one harness share its session bindings, endpoint health and clock, so
 * a test can play several messages of a session; create a harness per test for isolation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { suggest } from '../config/suggest.ts';
import { type Endpoint } from '../endpoints/endpoint.ts';
import { headersForClient } from '../endpoints/headers.ts';
import { EndpointError } from '../endpoints/outbound.ts';
import { EndpointRegistry } from '../endpoints/registry.ts';
import { ConfigError, ConfigErrors, MoorError } from '../errors.ts';
import { type CompiledConfig, type ProxyRuntime } from '../mediators/compile.ts';
import { mediate } from '../mediators/flow.ts';
import { headerValue, MessageContext, type SessionNote } from '../message/context.ts';
import { MessageAbort } from '../message/abort.ts';
import { DEFAULT_LIMITS, type MessageLimits } from '../message/limits.ts';
import { MessageBody } from '../message/message-body.ts';
import { faultFor } from '../server/faults.ts';
import { ManualClock } from '../session/clock.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { contentTypeOf, soapVersionOfContentType } from '../xml/soap.ts';
import { prepareEnvelope, readSource } from './input.ts';
import { loadCompiled } from './load.ts';
import { type LogLine, LogCapture } from './log-capture.ts';
import { type EndpointCall, endpointNames, type Headers, type Mock, mockedSend, type Mocks, MockTable } from './mocks.ts';

/** Options of a harness. */
export interface HarnessOptions {
  /** Mocks for every run (a run's own mocks are looked up first). */
  readonly mocks?: Mocks;
  /** Mocks chosen by the URL a message goes to, after the named ones (WSO2 mock services: port and context). */
  readonly urlMocks?: readonly { readonly matches: (url: string) => boolean; readonly mock: Mock }[];
  /** Where relative envelope files are found (the working directory). */
  readonly baseDir?: string;
  /** The virtual clock (a ManualClock at 0). Advance it between runs to let sessions expire. */
  readonly clock?: ManualClock;
  /** Lowest level of log lines captured ('silly': all of them). */
  readonly logLevel?: string;
  /** Limits that win over the configuration's `<moor:limits>` (else the gateway's defaults). */
  readonly limits?: Partial<MessageLimits>;
  /** Backend timeout of addresses without <timeout> (60 s of virtual time). */
  readonly defaultTimeoutMs?: number;
  /** Suspension of a failed address without <suspendOnFailure> (30 s of virtual time). */
  readonly defaultSuspendMs?: number;
}

/** One message to run. Name a proxy or a sequence; with neither, the main sequence runs. */
export interface RunInput {
  /** The proxy service that receives the message (as if POSTed to /services/<proxy>). */
  readonly proxy?: string;
  /** The named sequence that receives the message (as a proxy's in sequence would). */
  readonly sequence?: string;
  /** With `sequence`: the sequence that runs on responses (none: they go straight to the client). */
  readonly outSequence?: string;
  /**
   * The request: XML text or a file path (relative to the harness's baseDir). XML that is not a SOAP
   * Envelope is wrapped in a SOAP 1.1 Envelope's Body. A Buffer is sent as it is (to test refusals).
   */
  readonly envelope: string | Buffer;
  /** HTTP headers of the request (any case). Content-Type defaults to the envelope's SOAP version. */
  readonly headers?: Headers;
  /** The SOAP action (SOAPAction for SOAP 1.1, the action parameter of Content-Type for 1.2). */
  readonly soapAction?: string;
  /** Default-scope properties (`$ctx:`) set before mediation. */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** Axis2-scope properties (`$axis2:`) set before mediation. */
  readonly axis2?: Readonly<Record<string, unknown>>;
  /** The request path (TransportInURL): /services/<proxy>, or / for sequences. */
  readonly path?: string;
  /** Mocks for this run only, looked up before the harness's. */
  readonly mocks?: Mocks;
}

/** What the client received. */
export interface ClientResponse {
  readonly status: number;
  /** Headers as the gateway would write them (lower-case names). */
  readonly headers: Headers;
  /** The envelope as text ('' when the answer has no body, as the 202 for a message nobody answered). */
  readonly envelope: string;
}

/** Everything a run did. */
export interface RunResult {
  /** The answer to the client. */
  readonly response: ClientResponse;
  /** The request as mediation left it (rewritten by mediators, or as sent). */
  readonly message: { readonly envelope: string; readonly headers: Headers };
  /** Every message sent to an endpoint, in order. */
  readonly calls: readonly EndpointCall[];
  /** Properties by scope after mediation; `transport` holds the headers of the final message. */
  readonly properties: {
    readonly default: Readonly<Record<string, unknown>>;
    readonly axis2: Readonly<Record<string, unknown>>;
    readonly transport: Headers;
  };
  /** Log lines written during the run. */
  readonly logs: readonly LogLine[];
  /** Branches taken, in order: `inSequence`, `outSequence`, `main:in`, `sequence:<key>`, `filter:then`… */
  readonly trace: readonly string[];
  /** The session the message was routed in: its key, the endpoint it is bound to, and how. */
  readonly session: SessionNote | undefined;
  /** The error mediation ended with (the client got it as a fault), if any. */
  readonly error: Error | undefined;
  /** Virtual milliseconds the run took (mock delays). */
  readonly elapsedMs: number;
  /** The messages endpoint `name` received (any of its names, its id or URI). */
  received(name: string): EndpointCall[];
}

/** What one run collects; found by the mocked send through AsyncLocalStorage, so runs may overlap. */
interface RunState {
  readonly calls: EndpointCall[];
  readonly table: MockTable;
  /** Test mistakes (an unmocked endpoint, a mock that threw): the run rejects with the first. */
  readonly problems: Error[];
}

export class Harness {
  private readonly runs = new AsyncLocalStorage<RunState>();
  private sequence = 0;
  private readonly logs: LogCapture;
  private readonly table: MockTable;
  private names: ReadonlyMap<Endpoint, readonly string[]> = new Map();
  private endpoints!: EndpointRegistry;
  /** The virtual clock of sessions, suspension and mock delays. */
  readonly clock: ManualClock;
  /** The session bindings (advance the clock to expire them). */
  readonly store: MemoryStore;
  private readonly limits: MessageLimits;
  private readonly baseDir: string;

  private constructor(
    /** The configuration under test. */
    readonly compiled: CompiledConfig,
    private readonly options: HarnessOptions,
  ) {
    this.clock = options.clock ?? new ManualClock(0);
    this.store = new MemoryStore(this.clock, 0);
    this.logs = new LogCapture(options.logLevel ?? 'silly');
    this.table = new MockTable(options.mocks);
    for (const u of options.urlMocks ?? []) this.table.addUrlMock(u.matches, u.mock);
    // as the gateway: the defaults, then the configuration's <moor:limits>, then the options
    this.limits = { ...DEFAULT_LIMITS, ...compiled.config.settings?.limits?.values, ...options.limits };
    this.baseDir = options.baseDir ?? process.cwd();
  }

  /** Loads `location` (folder, file, or files). Throws ConfigErrors listing every problem. */
  static async load(location: string | readonly string[], options: HarnessOptions = {}): Promise<Harness> {
    return Harness.of(await loadCompiled(location), options);
  }

  /** A harness over an already compiled configuration (fresh sessions, endpoints and clock). */
  static async of(compiled: CompiledConfig, options: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(compiled, options);
    try {
      h.endpoints = await EndpointRegistry.create(
        compiled.config,
        {
          limits: h.limits,
          store: h.store,
          baseDir: compiled.config.dir,
          defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000,
          defaultSuspendMs: options.defaultSuspendMs ?? 30_000,
          clock: h.clock,
          send: (id, request, endpoint) => h.send(id, request, endpoint),
        },
        compiled.inlineEndpoints,
      );
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigErrors([e]);
      throw e;
    }
    h.names = endpointNames(compiled, h.endpoints);
    return h;
  }

  /** Runs one message through a proxy, a sequence, or the main sequence. */
  async run(input: RunInput): Promise<RunResult> {
    const target = this.target(input);
    const prepared = typeof input.envelope === 'string' ? prepareEnvelope(await readSource(input.envelope, this.baseDir)) : { text: input.envelope.toString('utf8'), version: '1.1' as const };
    // ids count per harness, so that log lines (msg=…) are the same on every run of a test
    const id = `msg-${++this.sequence}`;
    const state: RunState = { calls: [], table: new MockTable(input.mocks), problems: [] };
    const { logger, lines } = this.logs.forRun(id);
    const trace: string[] = [];

    const transport = new Map<string, string | string[]>();
    transport.set('content-type', contentTypeOf(prepared.version, prepared.version === '1.2' ? input.soapAction : undefined));
    if (input.soapAction !== undefined && prepared.version === '1.1') transport.set('soapaction', `"${input.soapAction}"`);
    for (const [k, v] of Object.entries(input.headers ?? {})) transport.set(k.toLowerCase(), v);

    let reply: { response: ClientResponse; msg: MessageContext | undefined } | undefined;
    const bytes = typeof input.envelope === 'string' ? Buffer.from(prepared.text) : input.envelope;
    // as the gateway does: the Content-Type says the SOAP version, and what is not SOAP is refused
    const announced = soapVersionOfContentType(headerValue(transport, 'content-type'));
    const request = new MessageContext(
      'request',
      transport,
      new MessageBody(bytes, this.limits, bytes.length),
      new MessageAbort(),
      logger,
      async (response) => {
        reply = { response: await capture(response), msg: response };
      },
      { id, version: announced === '1.2' ? '1.2' : '1.1' },
    );
    request.axis2.set('TransportInURL', input.path ?? (input.proxy !== undefined ? `/services/${input.proxy}` : '/'));
    for (const [k, v] of Object.entries(input.properties ?? {})) request.properties.set(k, v);
    for (const [k, v] of Object.entries(input.axis2 ?? {})) request.axis2.set(k, v);

    const started = this.clock.now();
    let error: Error | undefined;
    await this.runs.run(state, async () => {
      try {
        if (announced === undefined) throw new MoorError('MOOR_ERR_NOT_SOAP', `content type "${headerValue(transport, 'content-type') ?? ''}" is not SOAP (text/xml for SOAP 1.1, application/soap+xml for SOAP 1.2)`);
        await request.head();
        await mediate(this.compiled, this.endpoints, target.proxy, request, target.trace(trace));
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
        if (!request.replied) {
          // what the gateway would answer: the error as a fault of the request's SOAP version
          const f = faultFor(request.version, e);
          request.exchange.replied = true;
          reply = { response: { status: f.status, headers: { 'content-type': contentTypeOf(request.version), 'x-moor-error': f.code }, envelope: f.body }, msg: undefined };
        }
      } finally {
        // as the gateway does at the end of an exchange: its parsed trees give their budget back
        request.releaseParsed();
      }
    });
    await this.logs.end(id);
    if (state.problems.length) throw state.problems[0];

    const final = reply?.msg ?? request;
    let message: string;
    try {
      message = (await request.body.readAll()).toString('utf8');
    } catch {
      message = prepared.text;
    }
    const calls = state.calls;
    return {
      response: reply?.response ?? { status: 202, headers: {}, envelope: '' },
      message: { envelope: message, headers: record(request.transport) },
      calls,
      properties: { default: Object.fromEntries(request.properties), axis2: Object.fromEntries(request.axis2), transport: record(final.transport) },
      logs: lines,
      trace,
      session: reply?.msg?.session ?? request.session,
      error,
      elapsedMs: this.clock.now() - started,
      received: (name) => calls.filter((c) => c.names.includes(name) || c.id === name || c.url === name),
    };
  }

  /** Runs `envelope` through proxy `name`. */
  runProxy(name: string, input: Omit<RunInput, 'proxy' | 'sequence'>): Promise<RunResult> {
    return this.run({ ...input, proxy: name });
  }

  /** Runs `envelope` through sequence `name`. */
  runSequence(name: string, input: Omit<RunInput, 'proxy' | 'sequence'>): Promise<RunResult> {
    return this.run({ ...input, sequence: name });
  }

  /** Releases the endpoints (no connection was opened, but the HTTP agent exists) and the store. */
  async close(): Promise<void> {
    await this.endpoints.close();
    await this.store.close();
  }

  /** The send every address endpoint uses: the mocks of the run in progress, then the harness's. */
  private async send(id: string, request: Parameters<typeof mockedSend>[2], endpoint: Parameters<typeof mockedSend>[3]) {
    const state = this.runs.getStore();
    const calls = state?.calls ?? [];
    try {
      return await mockedSend({ clock: this.clock, baseDir: this.baseDir, tables: state ? [state.table, this.table] : [this.table], names: this.names, calls }, id, request, endpoint);
    } catch (e) {
      // a failure the mock plays is traffic; anything else is a mistake in the test, reported as such
      if (!(e instanceof EndpointError)) state?.problems.push(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  }

  /** What `input` names: a proxy, a sequence (run as a proxy's in sequence), or main. */
  private target(input: RunInput): { proxy: ProxyRuntime | undefined; trace: (into: string[]) => (e: string) => void } {
    const plain = (into: string[]) => (e: string) => void into.push(e);
    if (input.proxy !== undefined && input.sequence !== undefined) throw new MoorError('MOOR_ERR_TEST_SUITE', 'name a proxy or a sequence to run, not both');
    if (input.proxy !== undefined) {
      const proxy = this.compiled.proxies.get(input.proxy);
      if (!proxy) throw new MoorError('MOOR_ERR_TEST_SUITE', `no proxy named "${input.proxy}"${suggest(input.proxy, [...this.compiled.proxies.keys()])}`);
      return { proxy, trace: plain };
    }
    const name = input.sequence ?? 'main';
    const seq = this.compiled.sequences.get(name);
    if (!seq) throw new MoorError('MOOR_ERR_TEST_SUITE', `no sequence named "${name}"${suggest(name, [...this.compiled.sequences.keys()])}`);
    if (name === 'main' && input.outSequence === undefined) return { proxy: undefined, trace: plain };
    const out = input.outSequence !== undefined ? this.compiled.sequences.get(input.outSequence) : undefined;
    if (input.outSequence !== undefined && !out) throw new MoorError('MOOR_ERR_TEST_SUITE', `no sequence named "${input.outSequence}"`);
    const proxy: ProxyRuntime = { name: `sequence:${name}`, inSequence: seq, outSequence: out, faultSequence: undefined, endpoint: undefined, wsdl: undefined };
    // the sequence runs as a proxy's in sequence would; name the branches after it
    const rename: Record<string, string> = { inSequence: `sequence:${name}`, outSequence: `sequence:${input.outSequence ?? ''}` };
    return { proxy, trace: (into) => (e) => void into.push(rename[e] ?? e) };
  }
}

/** Loads `location` into a new harness (see {@link Harness}). */
export function createHarness(location: string | readonly string[], options: HarnessOptions = {}): Promise<Harness> {
  return Harness.load(location, options);
}

/** Loads `location`, runs one message through proxy `name`, and releases the harness. */
export async function runProxy(location: string | readonly string[], name: string, input: Omit<RunInput, 'proxy' | 'sequence'>, options: HarnessOptions = {}): Promise<RunResult> {
  const h = await Harness.load(location, options);
  try {
    return await h.runProxy(name, input);
  } finally {
    await h.close();
  }
}

/** Loads `location`, runs one message through sequence `name`, and releases the harness. */
export async function runSequence(location: string | readonly string[], name: string, input: Omit<RunInput, 'proxy' | 'sequence'>, options: HarnessOptions = {}): Promise<RunResult> {
  const h = await Harness.load(location, options);
  try {
    return await h.runSequence(name, input);
  } finally {
    await h.close();
  }
}

/** What the client gets for `msg`: status, headers as the server writes them, the body as text. */
async function capture(msg: MessageContext): Promise<ClientResponse> {
  const chunks: Buffer[] = [];
  for await (const c of msg.body.open()) chunks.push(c);
  const body = Buffer.concat(chunks);
  // as server/reply.ts writes them
  const headers: Headers = headersForClient(msg);
  if (body.length || msg.status !== 202) headers['content-length'] = String(body.length);
  return { status: msg.status, headers, envelope: body.toString('utf8') };
}

function record(h: ReadonlyMap<string, string | string[]>): Headers {
  return Object.fromEntries(h);
}
