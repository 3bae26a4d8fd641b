/**
 * The worker threads of <script> (src/mediators/script-pool.ts): a script runs off the event loop, a
 * thread stuck past its deadline (QuickJS's garbage collector near the memory limit, where its
 * interrupt handler is not consulted) is ended from outside and replaced, and mc's calls are answered
 * on the calling thread.
 */
import test from 'ava';
import { GRACE_MS, scriptPool } from '../../src/mediators/script-pool.ts';
import { ScriptFailure, type ScriptProgram } from '../../src/mediators/script-sandbox.ts';

let ids = 1000;
const inline = (body: string): ScriptProgram => ({ parts: [{ source: `(function (mc) {\n${body}\n})`, file: 'inline.js' }], entry: { kind: 'value' } });
const LIMITS = { timeoutMs: 100, memoryBytes: 32 * 1024 * 1024 };

test.serial('mc calls are answered on this thread; a host error is an exception in the script', async (t) => {
  const calls: string[] = [];
  const program = inline('var a = mc.get("a"); try { mc.boom(); } catch (e) { return a + "/" + e.message; }');
  const value = await scriptPool.run(ids++, program, ['get', 'boom'], (method, args) => {
    calls.push(method);
    if (method === 'boom') throw new Error('no such thing');
    return `${String(args[0])}!`;
  }, LIMITS);
  t.is(value, 'a!/no such thing');
  t.deepEqual(calls, ['get', 'boom']);
});

test.serial('a thread stuck past its deadline is ended from outside; the next script gets a new thread', async (t) => {
  const started = Date.now();
  // (near the memory limit, QuickJS's collector runs for seconds without asking the interrupt handler)
  const stuck = scriptPool.run(ids++, inline('var a = []; for (;;) a.push(new Array(100000).fill(1));'), [], () => null, { timeoutMs: 100, memoryBytes: 32 * 1024 * 1024 });
  const e = await t.throwsAsync(stuck, { instanceOf: ScriptFailure });
  const took = Date.now() - started;
  t.is(e?.reason, 'timeout');
  t.true(took < 100 + GRACE_MS + 1500, `failed after ${took} ms`);
  t.is(await scriptPool.run(ids++, inline('return 1 + 1;'), [], () => null, LIMITS), 2);
});

test.serial('while one script loops until its deadline, another runs and this thread serves timers', async (t) => {
  // (a deadline of seconds: the quick script may need a new thread, slow to start on a loaded machine)
  const loop = scriptPool.run(ids++, inline('for (;;) {}'), [], () => null, { ...LIMITS, timeoutMs: 3000 }).catch((e: unknown) => e);
  const loopStopped = loop.then(() => Date.now());
  await new Promise((r) => setTimeout(r, 50));
  t.is(await scriptPool.run(ids++, inline('return "quick";'), [], () => null, LIMITS), 'quick');
  const quickDone = Date.now();
  const timer = Date.now();
  await new Promise((r) => setTimeout(r, 10));
  t.true(Date.now() - timer < 300, 'the event loop is free');
  const failure = await loop;
  t.true(failure instanceof ScriptFailure && failure.reason === 'timeout');
  const stopped = await loopStopped;
  t.true(quickDone < stopped, `the quick script finished ${quickDone - stopped} ms after the loop was stopped, not before`);
});
