/**
 * The JavaScript engine of `<script language="js">`: QuickJS compiled to WebAssembly
 * (quickjs-emscripten, its release build without asyncify). Why this one: a script runs inside its own
 * interpreter whose only way out is the functions moor hands it (`mc`): no require, no process, no
 * file system, no network, no timers, since QuickJS as built there has none of Node's objects and moor
 * loads none of QuickJS's own std/os modules. An interrupt handler stops a script at its deadline, and
 * each runtime has a memory limit and a stack limit. `node:vm` gives none of this (a script there
 * reaches the process through any object's constructor chain), and isolated-vm is a native build.
 *
 * The WebAssembly module is loaded at the first configuration that has a script (about 25 ms), never
 * on start-up otherwise; after that `engineNow()` has it at once.
 */
import { type QuickJSWASMModule } from 'quickjs-emscripten-core';

let loading: Promise<QuickJSWASMModule> | undefined;
let loaded: QuickJSWASMModule | undefined;

/** The engine, loaded on first call. */
export function loadEngine(): Promise<QuickJSWASMModule> {
  loading ??= (async () => {
    const { newQuickJSWASMModuleFromVariant } = await import('quickjs-emscripten-core');
    loaded = await newQuickJSWASMModuleFromVariant(import('@jitl/quickjs-wasmfile-release-sync'));
    return loaded;
  })();
  return loading;
}

/** The engine if it is loaded already. */
export function engineNow(): QuickJSWASMModule | undefined {
  return loaded;
}

/** Where a script's problem is: 1-based line and column in the source given to the engine. */
export interface ScriptPlace {
  readonly line: number;
  readonly col: number;
}

/** A syntax error in `source`, or undefined when it compiles. Compiles only: nothing of it runs. */
export function syntaxError(engine: QuickJSWASMModule, source: string, file: string): { readonly message: string; readonly at: ScriptPlace | undefined } | undefined {
  const runtime = engine.newRuntime();
  try {
    const ctx = runtime.newContext();
    try {
      const result = ctx.evalCode(source, file, { compileOnly: true });
      if (!result.error) {
        result.value.dispose();
        return undefined;
      }
      const e = ctx.dump(result.error) as { name?: string; message?: string; stack?: string };
      result.error.dispose();
      return { message: `${e.name ?? 'Error'}: ${e.message ?? ''}`, at: placeIn(e.stack, file) };
    } finally {
      ctx.dispose();
    }
  } finally {
    runtime.dispose();
  }
}

/** The first `file:line:col` of a QuickJS stack (`    at f (file:3:7)`). */
export function placeIn(stack: string | undefined, file: string): ScriptPlace | undefined {
  if (!stack) return undefined;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  return m ? { line: Number(m[1]), col: Number(m[2] ?? 1) } : undefined;
}
