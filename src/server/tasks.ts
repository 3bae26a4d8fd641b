/**
 * The scheduled tasks of a runtime (`<task>`, config/task-def.ts; compiled in mediators/task-message.ts):
 * an interval task fires when the scheduler starts and then every interval, until its count of runs is
 * reached; a cron task at each time its expression gives (croner, on the wall clock: the next time is
 * worked out after each firing, so a clock change or a long wait is followed, not a fixed delay); and
 * each run injects the task's message into main, a named sequence or a proxy, as WSO2's MessageInjector
 * does. What a run's sends answer goes nowhere (no client waits); a run that fails is logged.
 *
 * - A run still going when the task fires again: that firing is skipped (logged, not counted), so a
 *   slow backend does not pile up runs.
 * - Reload: the new runtime's scheduler replaces the old one, whose timers stop (runs in flight finish
 *   on the old runtime, as requests do). A task whose definition is unchanged goes on where it was: its
 *   runs so far count and its next firing stays; a changed or new one starts again.
 * - Shutdown: the timers stop; the gateway waits for runs in flight (`settled`).
 * - One gateway runs them once: with `--workers N`, only worker 1 (cli/workers.ts).
 */
import { type Logger } from '../logging.ts';
import { MessageAbort } from '../message/abort.ts';
import { MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { injectInto, mediate } from '../mediators/flow.ts';
import { type CompiledTask } from '../mediators/task-message.ts';
import { type Runtime } from './runtime.ts';
import { Cron } from 'croner';
import { QUARTZ_OPTIONS } from '../config/quartz-cron.ts';

/** setTimeout's longest delay; a cron time further off is waited for in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The scheduler's clock and timers (tests give their own). */
export interface TaskTimers {
  now(): number;
  /** The wall clock in ms since the epoch, which cron times are of (default Date.now). */
  date?(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const REAL_TIMERS: TaskTimers = {
  now: () => performance.now(),
  date: () => Date.now(),
  // (a timer does not hold the process: the listener does, and close stops the timers)
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Runs `task` once over `runtime`. */
export type TaskRun = (task: CompiledTask, runtime: Runtime, log: Logger) => Promise<void>;

interface TaskState {
  /** The definition, without where it was written: what a reload compares. */
  readonly signature: string;
  runs: number;
  /** The next firing: timers.now() time (interval), or wall-clock ms (cron). */
  nextAt: number;
  /** A cron task's schedule (made from its pattern; never started itself). */
  readonly cron?: Cron | undefined;
  timer: unknown;
  busy: boolean;
}

export class TaskScheduler {
  private readonly states = new Map<string, TaskState>();
  private stopped = false;
  /** Runs in flight, shared with the schedulers that replace this one (so shutdown waits for all). */
  private running = new Set<Promise<void>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly log: Logger,
    private readonly run: TaskRun = injectTask,
    private readonly timers: TaskTimers = REAL_TIMERS,
  ) {}

  /** How many tasks this scheduler has. */
  get size(): number {
    return this.runtime.compiled.tasks.length;
  }

  /**
   * Starts every task. `previous`, the scheduler of the runtime a reload replaces, is stopped; a task it
   * ran with the same definition goes on with its count and its next firing.
   */
  start(previous?: TaskScheduler): void {
    previous?.stop();
    if (previous) this.running = previous.running;
    const now = this.timers.now();
    for (const task of this.runtime.compiled.tasks) {
      const signature = signatureOf(task);
      const before = previous?.states.get(task.def.name);
      const kept = before?.signature === signature ? before : undefined;
      const cron = task.def.cron !== undefined ? new Cron(task.def.cron, QUARTZ_OPTIONS) : undefined;
      const state: TaskState = { signature, runs: kept?.runs ?? 0, nextAt: cron ? this.nextCron(cron, this.date()) : (kept?.nextAt ?? now), timer: undefined, busy: false, cron };
      this.states.set(task.def.name, state);
      this.arm(task, state);
    }
  }

  /** Stops every timer; runs in flight go on (see `settled`). */
  stop(): void {
    this.stopped = true;
    for (const s of this.states.values()) {
      if (s.timer !== undefined) this.timers.clear(s.timer);
      s.timer = undefined;
    }
  }

  /** Resolves once no run is in flight (this scheduler's nor those it replaced). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** How many times the task `name` ran (started) so far. */
  runsOf(name: string): number | undefined {
    return this.states.get(name)?.runs;
  }

  private date(): number {
    return this.timers.date ? this.timers.date() : Date.now();
  }

  /** The cron time after `after` (wall-clock ms); Infinity when the expression gives none (a year gone by). */
  private nextCron(cron: Cron, after: number): number {
    return cron.nextRun(new Date(after))?.getTime() ?? Infinity;
  }

  private arm(task: CompiledTask, state: TaskState): void {
    if (this.stopped || (task.def.count !== undefined && state.runs >= task.def.count)) return;
    if (state.cron) {
      if (state.nextAt === Infinity) return;
      state.timer = this.timers.set(() => this.fire(task, state), Math.min(MAX_DELAY_MS, Math.max(0, state.nextAt - this.date())));
      return;
    }
    state.timer = this.timers.set(() => this.fire(task, state), Math.max(0, state.nextAt - this.timers.now()));
  }

  private fire(task: CompiledTask, state: TaskState): void {
    state.timer = undefined;
    if (this.stopped) return;
    if (state.cron) {
      const wall = this.date();
      // woken before its time (a wait longer than setTimeout takes, or the clock set back): wait on
      if (wall < state.nextAt) return this.arm(task, state);
      // the next time strictly after this one; times missed while the process was busy are not made up
      state.nextAt = this.nextCron(state.cron, Math.max(wall, state.nextAt));
    } else {
      const now = this.timers.now();
      // the next firing keeps to the schedule; firings missed while the process was busy are not made up
      state.nextAt += task.def.intervalMs;
      if (state.nextAt <= now) state.nextAt = now + task.def.intervalMs - ((now - state.nextAt) % task.def.intervalMs);
    }
    if (state.busy) {
      this.log.warn(`task "${task.def.name}": its last run is still going; this run is skipped`, { component: 'task' });
    } else {
      state.runs++;
      state.busy = true;
      const ran = this.run(task, this.runtime, this.log)
        .catch((e: unknown) => {
          this.log.warn(`task "${task.def.name}": ${(e as Error).message ?? String(e)}`, { component: 'task' });
        })
        .finally(() => {
          state.busy = false;
          this.running.delete(ran);
        });
      this.running.add(ran);
    }
    this.arm(task, state);
  }
}

function signatureOf(task: CompiledTask): string {
  const { def } = task;
  const target = def.target.kind === 'main' ? 'main' : `${def.target.kind}:${def.target.name}`;
  return JSON.stringify([def.cron ?? def.intervalMs, def.count ?? -1, target, task.version, task.envelope, [...task.headers]]);
}

/** One run: the task's message, made anew, mediated where the task injects it. Throws what no handler caught. */
export async function injectTask(task: CompiledTask, runtime: Runtime, log: Logger): Promise<void> {
  const bytes = Buffer.from(task.envelope);
  const body = new MessageBody(bytes, runtime.limits, bytes.length, 'trusted');
  const msg = new MessageContext('request', new Map(task.headers), body, new MessageAbort(), log, discard, { version: task.version });
  const { compiled, endpoints } = runtime;
  const target = task.def.target;
  try {
    await msg.head();
    if (target.kind === 'sequence') await injectInto(compiled, endpoints, compiled.sequences.get(target.name)!, msg);
    else await mediate(compiled, endpoints, target.kind === 'proxy' ? compiled.proxies.get(target.name) : undefined, msg);
  } finally {
    msg.releaseParsed();
  }
}

/** Where an injected message's answer goes: nobody waits for it; its bytes are read and dropped. */
async function discard(reply: MessageContext): Promise<void> {
  try {
    await reply.body.discard();
  } catch {
    // nothing to keep
  }
}
