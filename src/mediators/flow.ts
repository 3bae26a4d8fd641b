/**
 * The life of one request through a configuration: which sequence runs first (the proxy's in sequence,
 * or `main`), what runs on the response (the proxy's out sequence, or `main` again in the response
 * direction, where its <out> runs), and where errors go (the proxy's fault sequence, else the sequence
 * named `fault`). A client that got no answer by the end gets one anyway: a response the out path did
 * not send is sent, and a request nothing answered gets HTTP 202.
 */
import { accept } from './one-way.ts';
import { MoorError } from '../errors.ts';
import { type EndpointRegistry } from '../endpoints/registry.ts';
import { type MessageContext } from '../message/context.ts';
import { type CompiledConfig, type ProxyRuntime } from './compile.ts';
import { type MediationEnv, type Outcome, type Sequence } from './mediator.ts';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.ts';
import { runSequence, runsFaultHandlers, setErrorProperties } from './sequence-runner.ts';

/** The trace of a run nobody watches (the gateway's). */
const NO_TRACE = (): void => {};

/**
 * The gateway's environment of each proxy (or of main), built once: it holds only what the
 * configuration fixes, so a message does not pay for closures of its own.
 */
const sharedEnvs = new WeakMap<object, Flow>();

/** Where a request's path through the configuration leads, fixed by the configuration. */
interface Flow {
  readonly env: MediationEnv;
  readonly inSequence: Sequence | undefined;
  readonly faultSequence: Sequence | undefined;
}

function flowOf(compiled: CompiledConfig, endpoints: EndpointRegistry, proxy: ProxyRuntime | undefined, trace: (event: string) => void): Flow {
  const main = compiled.sequences.get('main');
  const faultSequence = proxy?.faultSequence ?? compiled.sequences.get('fault');
  const out = proxy ? proxy.outSequence : main;
  const env: MediationEnv = {
    endpoints,
    sequence: (name) => compiled.sequences.get(name),
    trace,
    // (not async: an out sequence that finishes at once, the usual <send/>, answers the client at once)
    onResponse(response) {
      if (!out) return response.respondToClient();
      trace(proxy ? 'outSequence' : 'main:out');
      const ran = runGuarded(out, response, env, faultSequence, trace);
      return isPromiseLike(ran) ? ran.then(() => response.respondToClient()) : response.respondToClient();
    },
    background(msg, work) {
      endpoints.track(
        work.then(
          () => undefined,
          async (e: unknown) => {
            const code = e instanceof MoorError ? `${e.code} ` : '';
            msg.log.error(`one-way send failed after the client's 202: ${code}${(e as Error).message}`, { component: 'send', msg: msg.id });
            if (!faultSequence || !runsFaultHandlers(e)) return;
            setErrorProperties(msg, e);
            trace(`faultSequence:${faultSequence.name ?? ''}`);
            try {
              await runSequence(faultSequence, msg, env);
            } catch (again) {
              msg.log.error(`the fault sequence of a failed one-way send failed: ${(again as Error).message}`, { component: 'send', msg: msg.id });
            }
          },
        ),
      );
    },
  };
  return { env, inSequence: proxy ? proxy.inSequence : main, faultSequence };
}

/** The flow of `proxy` (or of main): the gateway's built once, a traced one for each run. */
function flowFor(compiled: CompiledConfig, endpoints: EndpointRegistry, proxy: ProxyRuntime | undefined, trace: (event: string) => void): Flow {
  if (trace !== NO_TRACE) return flowOf(compiled, endpoints, proxy, trace);
  // a runtime's proxies and compiled configuration live and die together with its endpoints
  const key = proxy ?? compiled;
  let flow = sharedEnvs.get(key);
  if (!flow) sharedEnvs.set(key, (flow = flowOf(compiled, endpoints, proxy, trace)));
  return flow;
}

/**
 * Runs `request` into the named sequence `seq`, as Synapse's injectAsync does for a task's
 * injectTo="sequence": a response its sends get (without receive=) takes main's out path, and an error
 * it does not handle goes to the `fault` sequence. Throws what no handler caught.
 */
export async function injectInto(compiled: CompiledConfig, endpoints: EndpointRegistry, seq: Sequence, request: MessageContext): Promise<void> {
  const { env, faultSequence } = flowFor(compiled, endpoints, undefined, NO_TRACE);
  await runGuarded(seq, request, env, faultSequence, NO_TRACE);
}

/** Runs `request` through `proxy` (or the main sequence when undefined). Throws what no handler caught. */
export async function mediate(
  compiled: CompiledConfig,
  endpoints: EndpointRegistry,
  proxy: ProxyRuntime | undefined,
  request: MessageContext,
  trace: (event: string) => void = NO_TRACE,
): Promise<void> {
  if (!proxy && !compiled.sequences.has('main')) throw new MoorError('MOOR_ERR_NO_MAIN', 'no proxy service matches this request and there is no main sequence');
  const { env, inSequence, faultSequence } = flowFor(compiled, endpoints, proxy, trace);
  const clientBody = request.body;

  if (inSequence) {
    trace(proxy ? 'inSequence' : 'main:in');
    const outcome = await runGuarded(inSequence, request, env, faultSequence, trace);
    if (outcome === 'continue' && !request.replied) {
      // a fault the in sequence made (<makefault>, response by default) is the answer; otherwise a
      // proxy's target endpoint receives what its in sequence let through
      if (request.properties.response) await request.respondToClient();
      else if (proxy?.target) await runGuarded(proxy.target, request, env, faultSequence, trace);
    }
  } else if (proxy?.target) await runGuarded(proxy.target, request, env, faultSequence, trace);

  if (!request.replied) {
    // a response taken in by <call> and never sent on: release its connection to the backend (the
    // client's own request body is left to the server, which drains it to keep the connection)
    if (request.body !== clientBody) await request.body.discard();
    await accept(request);
  }
}

/** Runs `seq`; an error it does not handle itself goes to the fault sequence, if there is one. */
function runGuarded(
  seq: Sequence,
  msg: MessageContext,
  env: MediationEnv,
  faultSequence: Sequence | undefined,
  trace: (e: string) => void,
): MaybePromise<Outcome> {
  // without a fault sequence there is nothing to guard: no async frame of its own
  return faultSequence ? runWithFaultSequence(seq, msg, env, faultSequence, trace) : runSequence(seq, msg, env);
}

async function runWithFaultSequence(
  seq: Sequence,
  msg: MessageContext,
  env: MediationEnv,
  faultSequence: Sequence,
  trace: (e: string) => void,
): Promise<'continue' | 'stop'> {
  try {
    return await runSequence(seq, msg, env);
  } catch (e) {
    if (msg.abort.aborted || msg.replied || !runsFaultHandlers(e)) throw e;
    setErrorProperties(msg, e);
    trace(`faultSequence:${faultSequence.name ?? ''}`);
    await runSequence(faultSequence, msg, env);
    if (!msg.replied) throw e;
    return 'stop';
  }
}
