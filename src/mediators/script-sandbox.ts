/**
 * One `<script>`'s interpreter: a QuickJS runtime and context of its own (script-engine.ts), made at
 * the script's first message, holding its compiled code, and the `mc` object whose methods all go to
 * one host function. Nothing else of the gateway is reachable from inside.
 *
 * A run is synchronous and bounded: an interrupt handler ends it at its deadline (`scriptTimeoutMs`),
 * the runtime refuses memory past `scriptMemoryBytes` and recursion past STACK_BYTES. A run that was
 * stopped so (or ran out of memory) leaves its interpreter in no state to trust: the runtime is thrown
 * away and the next message gets a new one. Other failures (the script threw) keep it.
 *
 * Values cross by copy only: strings, numbers, booleans, null, and JSON-shaped objects (sent as JSON
 * text and parsed inside). The runtime lives in WebAssembly memory, outside the JavaScript heap, so it
 * is freed when its mediator is collected (a reload drops the old configuration's scripts).
 */
import { type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { placeIn, type ScriptPlace } from './script-engine.ts';

/** A value passed to or from `mc`'s methods. */
export type HostValue = string | number | boolean | null | undefined | readonly HostValue[] | { readonly [k: string]: HostValue };

/** What the script's `mc` calls reach: the method's name and its arguments, copied out of the sandbox. */
export type Host = (method: string, args: HostValue[]) => HostValue;

/** One piece of code: its text and the file name the engine puts in stacks (to find line:col in them). */
export interface ScriptPart {
  readonly source: string;
  readonly file: string;
}

/** The code a sandbox runs. */
export interface ScriptProgram {
  /** Evaluated once per interpreter, in order (the `<include>`s, then the script). */
  readonly parts: readonly ScriptPart[];
  /**
   * What runs per message: the function the last part evaluates to (an inline script, wrapped as the
   * body of a function of `mc`), or the global function of that name (a script by key).
   */
  readonly entry: { readonly kind: 'value' } | { readonly kind: 'global'; readonly name: string };
}

/** Where in which part. */
export interface ScriptAt extends ScriptPlace {
  readonly file: string;
}

export interface ScriptLimits {
  readonly timeoutMs: number;
  readonly memoryBytes: number;
}

/** Why a run failed. */
export class ScriptFailure extends Error {
  constructor(
    readonly reason: 'timeout' | 'memory' | 'error',
    message: string,
    readonly at: ScriptAt | undefined,
  ) {
    super(message);
    this.name = 'ScriptFailure';
  }
}

/** Recursion deeper than this is a RangeError inside the script, far below the WebAssembly stack. */
const STACK_BYTES = 256 * 1024;

interface Live {
  readonly runtime: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  readonly mc: QuickJSHandle;
  readonly jsonParse: QuickJSHandle;
  fn: QuickJSHandle | undefined;
}

// (the held value is the sandbox's state object, never the mediator that owns it)
const collected = new FinalizationRegistry<{ live: Live | undefined }>((state) => release(state));

export class ScriptSandbox {
  private readonly state: { live: Live | undefined } = { live: undefined };
  private host: Host | undefined;
  /** Milliseconds of this run spent in the host's answers. */
  private inHost = 0;

  constructor(
    private readonly engine: QuickJSWASMModule,
    private readonly program: ScriptProgram,
    /** The names of `mc`'s methods. */
    private readonly methods: readonly string[],
    /** When given, the interpreter is freed once `owner` is collected. */
    owner?: object,
  ) {
    if (owner) collected.register(owner, this.state, this);
  }

  /** Runs the script for one message. Its value, or throws ScriptFailure. Never leaves the deadline behind. */
  run(host: Host, limits: ScriptLimits): HostValue {
    this.host = host;
    try {
      const live = this.state.live ?? this.start();
      live.runtime.setMemoryLimit(limits.memoryBytes);
      // (the bound starts once the interpreter exists; a script by key's top level has one of its own)
      let deadline = Date.now() + limits.timeoutMs;
      this.inHost = 0;
      // (time spent answering mc's calls is the gateway's, not the script's)
      live.runtime.setInterruptHandler(() => Date.now() - this.inHost > deadline);
      try {
        if (!live.fn) {
          live.fn = this.entry(live, limits);
          deadline = Date.now() - this.inHost + limits.timeoutMs;
        }
        const result = live.ctx.callFunction(live.fn, live.ctx.undefined, live.mc);
        if (result.error) throw this.failure(live, result.error, limits);
        const value = live.ctx.dump(result.value) as HostValue;
        result.value.dispose();
        return value;
      } finally {
        if (this.state.live === live) live.runtime.removeInterruptHandler();
      }
    } finally {
      this.host = undefined;
    }
  }

  /** Frees the interpreter now (a test, or a configuration that is replaced). */
  dispose(): void {
    collected.unregister(this);
    release(this.state);
  }

  private start(): Live {
    const runtime = this.engine.newRuntime();
    runtime.setMaxStackSize(STACK_BYTES);
    const ctx = runtime.newContext();
    const mc = ctx.newObject();
    for (const name of this.methods) {
      const f = ctx.newFunction(name, (...args) => this.toHandle(ctx, live, this.call(name, args.map((a) => ctx.dump(a) as HostValue))));
      ctx.setProp(mc, name, f);
      f.dispose();
    }
    // (inline scripts read mc as a global in WSO2; functions of a script by key get it as their argument)
    ctx.setProp(ctx.global, 'mc', mc);
    const json = ctx.getProp(ctx.global, 'JSON');
    const jsonParse = ctx.getProp(json, 'parse');
    json.dispose();
    const live: Live = { runtime, ctx, mc, jsonParse, fn: undefined };
    this.state.live = live;
    return live;
  }

  /** The function to call per message: evaluates the program (its top level runs here, once). */
  private entry(live: Live, limits: ScriptLimits): QuickJSHandle {
    const { ctx } = live;
    let last: QuickJSHandle | undefined;
    for (const part of this.program.parts) {
      last?.dispose();
      const result = ctx.evalCode(part.source, part.file);
      if (result.error) throw this.failure(live, result.error, limits);
      last = result.value;
    }
    const entry = this.program.entry;
    if (entry.kind === 'value' && last) return last;
    last?.dispose();
    if (entry.kind === 'value') throw new ScriptFailure('error', 'the script is empty', undefined);
    const fn = ctx.getProp(ctx.global, entry.name);
    if (ctx.typeof(fn) !== 'function') {
      fn.dispose();
      throw new ScriptFailure('error', `the script defines no function ${entry.name}`, undefined);
    }
    return fn;
  }

  /** The innermost frame of the stack that is in one of the program's parts. */
  private placeOf(stack: string | undefined): ScriptAt | undefined {
    for (const frame of (stack ?? '').split('\n')) {
      for (const part of this.program.parts) {
        const at = placeIn(frame, part.file);
        if (at) return { ...at, file: part.file };
      }
    }
    return undefined;
  }

  private call(name: string, args: HostValue[]): HostValue {
    if (!this.host) throw new Error(`mc.${name}() was called outside of a message`);
    const started = Date.now();
    try {
      return this.host(name, args);
    } finally {
      this.inHost += Date.now() - started;
    }
  }

  private toHandle(ctx: QuickJSContext, live: Live, v: HostValue): QuickJSHandle | undefined {
    if (v === undefined) return undefined;
    if (v === null) return ctx.null;
    if (typeof v === 'string') return ctx.newString(v);
    if (typeof v === 'number') return ctx.newNumber(v);
    if (typeof v === 'boolean') return v ? ctx.true : ctx.false;
    const text = ctx.newString(JSON.stringify(v));
    try {
      return ctx.unwrapResult(ctx.callFunction(live.jsonParse, ctx.undefined, text));
    } finally {
      text.dispose();
    }
  }

  /** The ScriptFailure of an exception; a stopped or exhausted interpreter is thrown away. */
  private failure(live: Live, error: QuickJSHandle, limits: ScriptLimits): ScriptFailure {
    const e = live.ctx.dump(error) as { name?: string; message?: string; stack?: string } | string | null;
    error.dispose();
    const o = typeof e === 'object' && e !== null ? e : { message: String(e) };
    const at = this.placeOf(o.stack);
    const interrupted = o.name === 'InternalError' && o.message === 'interrupted';
    const exhausted = o.name === 'InternalError' && /out of memory/.test(o.message ?? '');
    if (interrupted || exhausted) release(this.state);
    if (interrupted) return new ScriptFailure('timeout', `ran longer than scriptTimeoutMs (${limits.timeoutMs} ms)`, at);
    if (exhausted) return new ScriptFailure('memory', `ran out of memory (scriptMemoryBytes, ${limits.memoryBytes})`, at);
    return new ScriptFailure('error', typeof e === 'object' && e !== null ? `${o.name ?? 'Error'}: ${o.message ?? ''}` : `threw ${String(e)}`, at);
  }
}

// (a method of the sandbox's module, outside the class: the finalizer calls it without one)
function release(state: { live: Live | undefined }): void {
  const live = state.live;
  state.live = undefined;
  if (!live) return;
  live.fn?.dispose();
  live.jsonParse.dispose();
  live.mc.dispose();
  live.ctx.dispose();
  live.runtime.dispose();
}
