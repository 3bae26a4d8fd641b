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
import { EndpointError } from '../endpoints/send-failure.ts';
import { MoorError } from '../errors.ts';
import { type CompiledConfig, type ProxyRuntime } from '../mediators/compile.ts';
import { headerMapOf, type MessageContext, type SessionNote } from '../message/context.ts';
import { MessageAbort } from '../message/abort.ts';
import { type MessageLimits } from '../message/limits.ts';
import { MessageBody } from '../message/message-body.ts';
import { admit, type RequestHead } from '../server/admission.ts';
import { type Answer, type AnswerSink } from '../server/answer.ts';
import { exchange, type RequestIO } from '../server/exchange.ts';
import { buildRuntime, type CheckedConfig, checkConfig, type Runtime } from '../server/runtime.ts';
import { ManualClock } from '../session/clock.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { contentTypeOf } from '../xml/soap.ts';
import { prepareEnvelope, readSource } from './input.ts';
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
  /** The registry root for `conf:/…` and `gov:/…` keys (as `moor start --registry`). */
  readonly registry?: string | undefined;
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
  /**
   * The request path (TransportInURL): /services/<proxy>, or / for sequences. Given alone (no proxy,
   * no sequence), it chooses the proxy as the gateway does: /services/<Name>, else main.
   */
  readonly path?: string;
  /** Mocks for this run only, looked up before the harness's. */
  readonly mocks?: Mocks;
  /**
   * The HTTP method: with it, the request goes to the REST API that takes `path` (docs/apis.md), as the
   * gateway sends it: its payload (`envelope`: XML, JSON or text; '' for none) as it came, not wrapped
   * here, with a content type by its look unless `headers` give one.
   */
  readonly method?: string;
  /** With `method`: the API under test; a `path` below its context is taken as relative to it. */
  readonly api?: string;
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
  /** The configuration as the gateway would serve it. */
  private runtime!: Runtime;
  /** The virtual clock of sessions, suspension and mock delays. */
  readonly clock: ManualClock;
  /** The session bindings (advance the clock to expire them). */
  readonly store: MemoryStore;
  private readonly baseDir: string;

  private constructor(options: HarnessOptions) {
    this.clock = options.clock ?? new ManualClock(0);
    this.store = new MemoryStore(this.clock, 0);
    this.logs = new LogCapture(options.logLevel ?? 'silly');
    this.table = new MockTable(options.mocks);
    for (const u of options.urlMocks ?? []) this.table.addUrlMock(u.matches, u.mock);
    this.baseDir = options.baseDir ?? process.cwd();
  }

  /** Loads `location` (folder, file, or files) as the gateway loads it. Throws ConfigErrors listing every problem. */
  static async load(location: string | readonly string[], options: HarnessOptions = {}): Promise<Harness> {
    return Harness.of(await checkConfig(location, { registry: options.registry }), options);
  }

  /** A harness over an already checked configuration (fresh sessions, endpoints and clock). */
  static async of(checked: CheckedConfig, options: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(options);
    // the gateway's own runtime build: its limits (defaults, <moor:limits>, the options) and endpoints,
    // whose sends go to the mocks, on the harness's clock (its warnings are not reported here)
    h.runtime = await buildRuntime(checked, {
      limits: options.limits,
      store: h.store,
      defaultTimeoutMs: options.defaultTimeoutMs,
      defaultSuspendMs: options.defaultSuspendMs,
      clock: h.clock,
      send: (id, request, endpoint) => h.send(id, request, endpoint),
    });
    h.names = endpointNames(h.runtime.compiled, h.runtime.endpoints);
    return h;
  }

  /** The configuration under test, compiled and linked to this harness's endpoints. */
  get compiled(): CompiledConfig {
    return this.runtime.compiled;
  }

  /** The limits in force: the defaults, the configuration's `<moor:limits>`, then the options' own. */
  get limits(): MessageLimits {
    return this.runtime.limits;
  }

  /**
   * Runs one message through a proxy, a sequence, or the main sequence: admitted and mediated by the
   * gateway's own code (server/admission.ts, server/exchange.ts), answered into a collector instead of
   * a socket.
   */
  async run(input: RunInput): Promise<RunResult> {
    const rest = input.method !== undefined || input.api !== undefined;
    // (a REST request goes where its path leads, as the gateway sends it: it names no proxy)
    const target = rest ? { proxy: undefined, trace: (into: string[]) => (e: string) => void into.push(e) } : this.target(input);
    const source = typeof input.envelope === 'string' ? await readSource(input.envelope, this.baseDir) : undefined;
    const prepared = rest || source === undefined ? { text: source ?? input.envelope.toString('utf8'), version: '1.1' as const } : prepareEnvelope(source);
    // ids count per harness, so that log lines (msg=…) are the same on every run of a test
    const id = `msg-${++this.sequence}`;
    const state: RunState = { calls: [], table: new MockTable(input.mocks), problems: [] };
    const { logger, lines } = this.logs.forRun(id);
    const trace: string[] = [];

    const transport = new Map<string, string | string[]>();
    if (!rest) transport.set('content-type', contentTypeOf(prepared.version, prepared.version === '1.2' ? input.soapAction : undefined));
    else if (prepared.text.trim()) transport.set('content-type', payloadType(prepared.text));
    if (input.soapAction !== undefined && prepared.version === '1.1') transport.set('soapaction', `"${input.soapAction}"`);
    for (const [k, v] of Object.entries(input.headers ?? {})) transport.set(k.toLowerCase(), v);
    const bytes = typeof input.envelope === 'string' ? Buffer.from(prepared.text) : input.envelope;
    const path = rest ? this.restPath(input) : (input.path ?? (input.proxy !== undefined ? `/services/${input.proxy}` : '/'));
    const head: RequestHead = { method: rest ? (input.method ?? 'GET').toUpperCase() : 'POST', target: path, headers: headerLinesOf(transport, bytes.length) };

    const sink = new CollectedAnswer();
    const started = this.clock.now();
    let request: MessageContext | undefined;
    let error: Error | undefined;
    const a = admit(this.runtime, head, false, target.proxy);
    if (a.kind === 'refused') {
      await sink.write(a.answer);
      error = a.error;
    } else if (a.kind === 'reserved' || a.kind === 'wsdl') {
      throw new MoorError('MOOR_ERR_TEST_SUITE', `${head.target} is answered by the gateway's edge, not mediated: the harness runs messages to services and APIs`);
    } else {
      const io: RequestIO = {
        // (shaped as the gateway shapes it: a REST API's payload is carried as rest-payload.ts says)
        body: (_declared, limits, shape) => Promise.resolve({ body: shape ? shape(bytes, limits, bytes.length) : new MessageBody(bytes, this.runtime.limits, bytes.length), discard: () => undefined }),
        abort: new MessageAbort(),
        log: logger,
        remoteAddress: '',
        id,
        prepare: (msg) => {
          for (const [k, v] of Object.entries(input.properties ?? {})) msg.properties.set(k, v);
          for (const [k, v] of Object.entries(input.axis2 ?? {})) msg.axis2.set(k, v);
        },
        trace: target.trace(trace),
      };
      // (a one-way send goes on after the client's 202: the run's calls include it)
      const x = await this.runs.run(state, async () => {
        const done = await exchange(a, head, io, sink);
        await this.runtime.endpoints.settled();
        return done;
      });
      request = x.msg;
      if (x.error !== undefined) error = x.error instanceof Error ? x.error : new Error(String(x.error));
    }
    await this.logs.end(id);
    if (state.problems.length) throw state.problems[0];

    const final = sink.msg ?? request;
    let message: string;
    try {
      message = request ? (await request.body.readAll()).toString('utf8') : prepared.text;
    } catch {
      message = prepared.text;
    }
    const calls = state.calls;
    return {
      response: sink.response ?? { status: 202, headers: {}, envelope: '' },
      message: { envelope: message, headers: record(request?.transport ?? transport) },
      calls,
      properties: {
        default: request ? Object.fromEntries(request.properties) : { ...input.properties },
        axis2: request ? Object.fromEntries(request.axis2) : { ...input.axis2 },
        transport: record(final?.transport ?? transport),
      },
      logs: lines,
      trace,
      session: sink.msg?.session ?? request?.session,
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
    await this.runtime.endpoints.close();
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

  /** The path of a REST run: `path`, put below the context of the API `api` names when it is not there already. */
  private restPath(input: RunInput): string {
    const path = input.path ?? '/';
    if (input.api === undefined) return path;
    const apis = this.compiled.apis;
    const api = apis.find((a) => a.def.name === input.api || a.def.name.replace(/:v.*$/, '') === input.api);
    if (!api) throw new MoorError('MOOR_ERR_TEST_SUITE', `no API named "${input.api}"${suggest(input.api, apis.map((a) => a.def.name))}`);
    const prefix = api.def.prefix === '/' ? '' : api.def.prefix;
    const q = path.indexOf('?');
    const pathPart = q < 0 ? path : path.slice(0, q);
    if (pathPart === prefix || pathPart.startsWith(`${prefix}/`)) return path;
    return `${prefix}${path.startsWith('/') || path.startsWith('?') ? '' : '/'}${path}`;
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
    // a path alone routes the message as the gateway would: its proxy, else main, else no such service
    if (input.sequence === undefined && input.path !== undefined) return { proxy: undefined, trace: plain };
    const name = input.sequence ?? 'main';
    const seq = this.compiled.sequences.get(name);
    if (!seq) throw new MoorError('MOOR_ERR_TEST_SUITE', `no sequence named "${name}"${suggest(name, [...this.compiled.sequences.keys()])}`);
    if (name === 'main' && input.outSequence === undefined) return { proxy: undefined, trace: plain };
    const out = input.outSequence !== undefined ? this.compiled.sequences.get(input.outSequence) : undefined;
    if (input.outSequence !== undefined && !out) throw new MoorError('MOOR_ERR_TEST_SUITE', `no sequence named "${input.outSequence}"`);
    const proxy: ProxyRuntime = { name: `sequence:${name}`, inSequence: seq, outSequence: out, faultSequence: undefined, target: undefined, wsdl: undefined };
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

/** The answers of one run, collected as a client would read them (the first one: a client gets one). */
class CollectedAnswer implements AnswerSink {
  response: ClientResponse | undefined;
  /** The message the answer carried (its transport headers and session, for the result). */
  msg: MessageContext | undefined;

  get started(): boolean {
    return this.response !== undefined;
  }

  write(answer: Answer, msg?: MessageContext): Promise<void> | undefined {
    this.msg = msg;
    const headers: Headers = Object.fromEntries(headerMapOf(answer.headers));
    if (answer.error) headers['x-moor-error'] = answer.error;
    const done = (body: Buffer): void => {
      this.response = { status: answer.status, headers, envelope: body.toString('utf8') };
    };
    if (answer.whole) {
      done(answer.whole);
      return undefined;
    }
    return collect(answer.chunks!()).then(done);
  }

  /** A failure after the answer started: what was answered stands (no connection to cut). */
  cut(): void {}
}

async function collect(chunks: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** The header lines of a request with `transport` headers and a body of `length` bytes. */
function headerLinesOf(transport: ReadonlyMap<string, string | string[]>, length: number): string[] {
  const lines: string[] = [];
  for (const [k, v] of transport) for (const one of Array.isArray(v) ? v : [v]) lines.push(k, one);
  if (!transport.has('content-length')) lines.push('content-length', String(length));
  return lines;
}

function record(h: ReadonlyMap<string, string | string[]>): Headers {
  return Object.fromEntries(h);
}

/** The content type a REST payload of a test is sent with, unless the test gives one: XML, JSON, or text. */
function payloadType(text: string): string {
  const t = text.trimStart();
  if (t.startsWith('<')) return /^(?:<\?[\s\S]*?\?>\s*)?<(?:[\w.-]+:)?Envelope[\s>]/.test(t) ? 'text/xml' : 'application/xml';
  return t.startsWith('{') || t.startsWith('[') ? 'application/json' : 'text/plain';
}
