/**
 * The sandbox alone (src/mediators/script-sandbox.ts): the deadline, memory and stack bounds, values
 * crossing by copy, and an interpreter that is renewed after it was stopped.
 */
import test from 'ava';
import { loadEngine, syntaxError } from '../../src/mediators/script-engine.ts';
import { type Host, ScriptFailure, ScriptSandbox } from '../../src/mediators/script-sandbox.ts';

const LIMITS = { timeoutMs: 100, memoryBytes: 8 * 1024 * 1024 };

async function sandbox(body: string, methods: string[] = ['echo']): Promise<ScriptSandbox> {
  return new ScriptSandbox(await loadEngine(), { parts: [{ source: `(function (mc) {\n${body}\n})`, file: 'inline.js' }], entry: { kind: 'value' } }, methods, {});
}

function failure(run: () => unknown): ScriptFailure {
  try {
    run();
  } catch (e) {
    if (e instanceof ScriptFailure) return e;
    throw e;
  }
  throw new Error('the run did not fail');
}

test.serial('a script that never ends is stopped at its deadline', async (t) => {
  const sb = await sandbox('for (;;) {}');
  const started = performance.now();
  const f = failure(() => sb.run(() => null, LIMITS));
  const took = performance.now() - started;
  t.is(f.reason, 'timeout');
  t.regex(f.message, /scriptTimeoutMs \(100 ms\)/);
  t.is(f.at?.file, 'inline.js');
  // (the deadline is wall-clock time: on a busy machine the process may be scheduled out past it)
  t.true(took >= 100 && took < 1100, `stopped after ${took.toFixed(0)} ms`);
  sb.dispose();
});

test.serial('values cross by copy: strings, numbers, booleans, null, JSON-shaped objects; the return value comes back', async (t) => {
  const seen: unknown[] = [];
  const host: Host = (method, args) => {
    seen.push([method, ...args]);
    return args[0] === 'obj' ? { a: [1, 'two', true, null] } : args[0];
  };
  const sb = await sandbox('var o = mc.echo("obj"); mc.echo(o.a[1], 3, false, null, { k: o.a }); return [mc.echo(7) + 1, typeof o];');
  t.deepEqual(sb.run(host, LIMITS), [8, 'object']);
  t.deepEqual(seen, [['echo', 'obj'], ['echo', 'two', 3, false, null, { k: [1, 'two', true, null] }], ['echo', 7]]);
  sb.dispose();
});

test.serial('an error thrown by the host is an exception inside the script, which may catch it', async (t) => {
  const sb = await sandbox('try { mc.echo(); } catch (e) { return "caught: " + e.message; }');
  t.is(sb.run(() => {
    throw new Error('no payload');
  }, LIMITS), 'caught: no payload');
  sb.dispose();
});

test.serial('memory and recursion have bounds; a script stopped so gets a new interpreter, one that threw keeps its own', async (t) => {
  const mem = await sandbox('globalThis.n = (globalThis.n || 0) + 1; if (!mc.echo()) return globalThis.n; var a = new Array(1e8).fill(0);');
  t.is(failure(() => mem.run(() => true, { ...LIMITS, timeoutMs: 5000 })).reason, 'memory');
  t.is(mem.run(() => false, LIMITS), 1, 'a new interpreter: its global n starts again');
  const deep = await sandbox('function f() { return f() + 1; } return f();');
  const f = failure(() => deep.run(() => null, LIMITS));
  t.is(f.reason, 'error');
  t.regex(f.message, /stack overflow/i);
  const counting = await sandbox('globalThis.n = (globalThis.n || 0) + 1; if (globalThis.n === 1) throw new TypeError("first"); return globalThis.n;');
  t.regex(failure(() => counting.run(() => null, LIMITS)).message, /TypeError: first/);
  t.is(counting.run(() => null, LIMITS), 2, 'the same interpreter after an ordinary exception');
  for (const s of [mem, deep, counting]) s.dispose();
});

test.serial('a script by key: its top level runs once, then its function per call; a missing function is named', async (t) => {
  const engine = await loadEngine();
  const program = { parts: [{ source: 'var n = 0; function lib() { return 10; }', file: 'lib.js' }, { source: 'function mediate(mc) { return lib() + ++n; }', file: 'main.js' }], entry: { kind: 'global', name: 'mediate' } } as const;
  const sb = new ScriptSandbox(engine, program, [], {});
  t.is(sb.run(() => null, LIMITS), 11);
  t.is(sb.run(() => null, LIMITS), 12);
  sb.dispose();
  const none = new ScriptSandbox(engine, { ...program, entry: { kind: 'global', name: 'transform' } }, [], {});
  t.regex(failure(() => none.run(() => null, LIMITS)).message, /defines no function transform/);
  none.dispose();
});

test.serial('syntaxError compiles without running, and places the error', async (t) => {
  const engine = await loadEngine();
  t.is(syntaxError(engine, 'for (;;) {}', 'a.js'), undefined, 'an endless loop compiles: nothing ran');
  t.deepEqual(syntaxError(engine, 'var a = 1;\nvar b = ;', 'a.js')?.at, { line: 2, col: 9 });
});
