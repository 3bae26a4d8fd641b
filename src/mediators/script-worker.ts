/**
 * A worker thread that runs `<script>`s (script-pool.ts starts it): one ScriptSandbox per script,
 * made on the script's first run here. A script runs synchronously on this thread, never on the
 * gateway's event loop; each `mc` call is a synchronous round trip to the gateway's thread, which owns
 * the message: the call is posted, this thread waits on a shared flag (Atomics.wait) until the answer
 * is posted back, then takes it with receiveMessageOnPort.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { loadEngine } from './script-engine.ts';
import { type HostValue, ScriptFailure, type ScriptLimits, type ScriptProgram, ScriptSandbox } from './script-sandbox.ts';

/** What the gateway's thread sends. */
export type ToWorker =
  | { readonly type: 'run'; readonly runId: number; readonly programId: number; readonly program?: ScriptProgram; readonly methods: readonly string[]; readonly limits: ScriptLimits }
  | { readonly type: 'forget'; readonly programId: number };

/** What this thread sends back. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'call'; readonly runId: number; readonly method: string; readonly args: HostValue[]; readonly sent: number }
  | { readonly type: 'done'; readonly runId: number; readonly value: HostValue }
  | { readonly type: 'failed'; readonly runId: number; readonly reason: ScriptFailure['reason']; readonly message: string; readonly at: ScriptFailure['at'] };

/** The answer to an `mc` call, on the reply port. */
export type Reply = { readonly value: HostValue } | { readonly error: string };

export interface WorkerData {
  readonly replies: MessagePort;
  /** 0 while a call waits for its answer, 1 once it was posted. */
  readonly flag: SharedArrayBuffer;
}

if (parentPort) {
  const port = parentPort;
  const { replies, flag } = workerData as WorkerData;
  const signal = new Int32Array(flag);
  const engine = await loadEngine();
  warmUp(engine);
  const sandboxes = new Map<number, ScriptSandbox>();
  const post = (m: FromWorker): void => port.postMessage(m);

  port.on('message', (m: ToWorker) => {
    if (m.type === 'forget') {
      sandboxes.get(m.programId)?.dispose();
      sandboxes.delete(m.programId);
      return;
    }
    let sandbox = sandboxes.get(m.programId);
    if (!sandbox) {
      if (!m.program) return post({ type: 'failed', runId: m.runId, reason: 'error', message: 'the worker has not seen this script', at: undefined });
      sandbox = new ScriptSandbox(engine, m.program, m.methods);
      sandboxes.set(m.programId, sandbox);
    }
    const host = (method: string, args: HostValue[]): HostValue => {
      Atomics.store(signal, 0, 0);
      post({ type: 'call', runId: m.runId, method, args, sent: Date.now() });
      Atomics.wait(signal, 0, 0);
      const reply = receiveMessageOnPort(replies)?.message as Reply | undefined;
      if (!reply) throw new Error(`mc.${method}(): no answer from the gateway`);
      if ('error' in reply) throw new Error(reply.error);
      return reply.value;
    };
    try {
      post({ type: 'done', runId: m.runId, value: sandbox.run(host, m.limits) });
    } catch (e) {
      const f = e instanceof ScriptFailure ? e : new ScriptFailure('error', e instanceof Error ? e.message : String(e), undefined);
      post({ type: 'failed', runId: m.runId, reason: f.reason, message: f.message, at: f.at });
    }
  });
  post({ type: 'ready' });
}

/**
 * Runs a throwaway script through the common paths once: V8 compiles WebAssembly lazily, function by
 * function, and a new thread's first script would otherwise spend ~100 ms of its bound on compiling
 * the interpreter.
 */
function warmUp(engine: Awaited<ReturnType<typeof loadEngine>>): void {
  const source = `(function (mc) {
    var o = JSON.parse(JSON.stringify({ a: [1, 2, 3], s: "x" })), t = "";
    for (var i = 0; i < 200; i++) t += String(i).replace(/(\\d)/g, "<$1>").split("<").join("").toUpperCase();
    var m = /<(\\w+)>([^<]*)</.exec("<a>b</a>"), d = new Date(0).toISOString();
    try { null.x; } catch (e) { t += e.message; }
    return [o.a.map(function (x) { return x * 2; }).filter(Boolean).reduce(function (a, b) { return a + b; }, 0), t.length, m && m[1], d, mc.echo("w")];
  })`;
  const sandbox = new ScriptSandbox(engine, { parts: [{ source, file: 'warm-up.js' }], entry: { kind: 'value' } }, ['echo']);
  try {
    for (let i = 0; i < 3; i++) sandbox.run((_m, args) => args[0], { timeoutMs: 10_000, memoryBytes: 32 * 1024 * 1024 });
  } finally {
    sandbox.dispose();
  }
}
