/**
 * The worker threads that run `<script>`s (script-worker.ts), so that a script never runs on the
 * gateway's event loop: while one loops until its deadline, every other message, with or without a
 * script of its own, is served. SCRIPT_WORKERS threads per process, started when a runtime is built
 * from a configuration with a script (not by `moor validate`); a run waits for a free one, in order.
 *
 * Each run has two bounds. Inside the worker, QuickJS's interrupt handler stops the script at
 * `scriptTimeoutMs`. Here, a watchdog ends the worker thread itself when no answer came GRACE_MS after
 * that (QuickJS consults its handler only between bytecodes: a long native call, or its garbage
 * collector near the memory limit, was measured running for seconds past the deadline); the run fails
 * as a timeout and a new thread takes the old one's place. The message's `mc` calls are answered here,
 * on the gateway's thread, which owns the message; the worker waits for each answer.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { MoorError } from '../errors.ts';
import { type FromWorker, type Reply, type ToWorker, type WorkerData } from './script-worker.ts';
import { type Host, type HostValue, ScriptFailure, type ScriptLimits, type ScriptProgram } from './script-sandbox.ts';

/** Worker threads per process. */
export const SCRIPT_WORKERS = 2;
/**
 * How long after its deadline a script's worker is ended from outside. Not shorter: on a busy machine
 * a thread can be scheduled out for hundreds of milliseconds (a test run with load 12 on 2 cores ended
 * a trivial script's thread at 500 ms), and a script that keeps to its bound must not lose its thread
 * for that. This bound is for what QuickJS does not stop itself; scriptTimeoutMs is the script's.
 */
export const GRACE_MS = 1000;

/**
 * A worker thread running the worker's module: dist/script-worker.js when built; beside this one in
 * the sources, under tsx (whose hooks a worker does not inherit: the thread registers them first).
 */
function startWorker(workerData: WorkerData, transferList: MessagePort[]): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new Worker(workerFile(here), { workerData, transferList });
  const url = pathToFileURL(path.join(path.dirname(here), 'script-worker.ts')).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(boot, { eval: true, workerData, transferList });
}

function workerFile(here: string): string {
  // (built, this code is in dist/ or one of its chunk folders)
  for (let dir = path.dirname(here), i = 0; i < 3; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'script-worker.js');
    if (existsSync(file)) return file;
  }
  throw new Error('the <script> worker (script-worker.js) is not beside the built package');
}

interface Run {
  readonly runId: number;
  readonly programId: number;
  readonly program: ScriptProgram;
  readonly methods: readonly string[];
  readonly host: Host;
  readonly limits: ScriptLimits;
  resolve(v: HostValue): void;
  reject(e: unknown): void;
}

/** One worker thread and the run it holds. */
class ScriptThread {
  readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly seen = new Set<number>();
  ready = false;
  run: Run | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private endsAt = 0;

  constructor(private readonly pool: ScriptPool) {
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    // (no thread or port of the pool keeps the process alive: a run holds it through its caller)
    port1.unref();
    const data: WorkerData = { replies: port2, flag: this.flag.buffer as SharedArrayBuffer };
    this.worker = startWorker(data, [port2]);
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.end(new ScriptFailure('error', `the script's worker failed: ${e.message}`, undefined)));
    this.worker.on('exit', () => this.end(new ScriptFailure('error', "the script's worker stopped", undefined)));
    // (after the listeners: adding one refs the worker's port again)
    this.worker.unref();
  }

  start(run: Run): void {
    this.run = run;
    const first = !this.seen.has(run.programId);
    this.seen.add(run.programId);
    const message: ToWorker = { type: 'run', runId: run.runId, programId: run.programId, ...(first ? { program: run.program } : {}), methods: run.methods, limits: run.limits };
    this.worker.postMessage(message);
    // (a script by key's top level has a bound of its own before its function's: twice, the first time)
    this.endsAt = Date.now() + run.limits.timeoutMs * (first ? 2 : 1) + GRACE_MS;
    this.arm();
  }

  /** (Re)sets the watchdog to `endsAt`. */
  private arm(): void {
    const run = this.run;
    clearTimeout(this.watchdog);
    if (!run) return;
    const failure = new ScriptFailure('timeout', `ran longer than scriptTimeoutMs (${run.limits.timeoutMs} ms); its worker thread was ended`, undefined);
    this.watchdog = setTimeout(() => this.end(failure), Math.max(0, this.endsAt - Date.now()));
  }

  forget(programId: number): void {
    if (this.seen.delete(programId)) this.worker.postMessage({ type: 'forget', programId } satisfies ToWorker);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') {
      this.ready = true;
      this.pool.next();
      return;
    }
    const run = this.run;
    if (!run || m.runId !== run.runId) return;
    if (m.type === 'call') {
      let reply: Reply;
      try {
        reply = { value: run.host(m.method, m.args) };
      } catch (e) {
        reply = { error: e instanceof Error ? e.message : String(e) };
      }
      this.replies.postMessage(reply);
      Atomics.store(this.flag, 0, 1);
      Atomics.notify(this.flag, 0);
      // (the worker waited for this answer: that time is not the script's)
      this.endsAt += Date.now() - m.sent;
      this.arm();
      return;
    }
    this.finish();
    if (m.type === 'done') run.resolve(m.value);
    else run.reject(new ScriptFailure(m.reason, m.message, m.at));
    this.pool.next();
  }

  private finish(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.run = undefined;
  }

  /** The thread is gone or is being ended: its run fails, and the pool replaces it. */
  private end(failure: ScriptFailure): void {
    const run = this.run;
    this.finish();
    if (!this.pool.remove(this, this.ready ? undefined : failure)) return;
    void this.worker.terminate();
    this.replies.close();
    run?.reject(failure);
    this.pool.next();
  }
}

export class ScriptPool {
  /** A configuration with a script was compiled: a runtime built from it starts the threads (server/runtime.ts). */
  expected = false;
  private threads: ScriptThread[] = [];
  private readonly waiting: Run[] = [];
  private nextRun = 1;
  /** Why no thread can start (one ended before it was ready). */
  private broken: ScriptFailure | undefined;

  /** Starts the threads now (a configuration with a script loaded), so that the first message need not wait. */
  warm(): void {
    if (this.broken) return;
    while (this.threads.length < SCRIPT_WORKERS) this.threads.push(new ScriptThread(this));
  }

  /**
   * Runs program `programId` for one message; `host` answers its `mc` calls. When `queueMax` runs wait
   * for a thread already, it is refused at once (MOOR_ERR_SCRIPT_BUSY): a flood of messages to a slow
   * script would otherwise hold every one of them, and its memory, for as long as the threads take.
   */
  run(programId: number, program: ScriptProgram, methods: readonly string[], host: Host, limits: ScriptLimits, queueMax = Infinity): Promise<HostValue> {
    this.warm();
    if (this.broken) return Promise.reject(this.broken);
    const free = this.threads.some((t) => t.ready && !t.run);
    if (!free && this.waiting.length >= queueMax) {
      return Promise.reject(new MoorError('MOOR_ERR_SCRIPT_BUSY', `the ${SCRIPT_WORKERS} script threads are busy and ${this.waiting.length} <script> runs wait for them already (scriptQueueMax): try again later`));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ runId: this.nextRun++, programId, program, methods, host, limits, resolve, reject });
      this.next();
    });
  }

  /** The threads forget a script whose configuration is gone. */
  forget(programId: number): void {
    for (const t of this.threads) t.forget(programId);
  }

  /** Hands waiting runs to free threads. */
  next(): void {
    for (const t of this.threads) {
      if (this.waiting.length && t.ready && !t.run) t.start(this.waiting.shift()!);
      // (a thread keeps the process alive while it runs a script, or while runs wait for it to start)
      if (t.run || (this.waiting.length && !t.ready)) t.worker.ref();
      else t.worker.unref();
    }
  }

  /**
   * Takes an ended thread out (false when it was already) and starts its replacement, unless it ended
   * before it was ready (`broken`): then no thread can start, and every waiting run fails with that.
   */
  remove(thread: ScriptThread, broken?: ScriptFailure): boolean {
    const i = this.threads.indexOf(thread);
    if (i < 0) return false;
    this.threads.splice(i, 1);
    if (broken) {
      this.broken = broken;
      for (const r of this.waiting.splice(0)) r.reject(broken);
    }
    this.warm();
    return true;
  }
}

/** The process's pool. */
export const scriptPool = new ScriptPool();
