/**
 * The task scheduler on a manual clock (no sockets, no waiting): first run at start, then every
 * interval, count runs in all; a run still going makes the next firing skip; a reload's scheduler keeps
 * an unchanged task's count and schedule (and only one timer runs), restarts a changed one, drops a
 * removed one; stop ends every timer, and settled waits for runs in flight.
 */
import test from 'ava';
import { silentLogger } from '../../src/logging.ts';
import { type CompiledTask } from '../../src/mediators/task-message.ts';
import { type Runtime } from '../../src/server/runtime.ts';
import { TaskScheduler, type TaskTimers } from '../../src/server/tasks.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Timers that fire only when the test moves the clock. */
class FakeTimers implements TaskTimers {
  t = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Moves to `ms` later, firing what falls due on the way, in order (each run's promise settling in between). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.pending].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await tick();
    }
    this.t = end;
  }
}

function compiledTask(name: string, intervalMs: number, count: number | undefined, envelope = '<e/>'): CompiledTask {
  return {
    def: { kind: 'task', name, loc: { file: 'f', line: 1, col: 1 }, intervalMs, count, payload: { kind: 'inline', xml: '<m/>' }, to: undefined, soapAction: undefined, format: undefined, target: { kind: 'main' } },
    version: '1.1',
    envelope,
    headers: new Map(),
  };
}

function runtimeOf(...tasks: CompiledTask[]): Runtime {
  return { compiled: { tasks } } as unknown as Runtime;
}

/** A scheduler whose runs are recorded as `name@time`; `hold` keeps a run going until released. */
function scheduler(timers: FakeTimers, runs: string[], ...tasks: CompiledTask[]): { s: TaskScheduler; release: () => void; hold: { on: boolean } } {
  const hold = { on: false };
  const waiting: (() => void)[] = [];
  const s = new TaskScheduler(runtimeOf(...tasks), silentLogger(), async (task) => {
    runs.push(`${task.def.name}@${timers.now()}`);
    if (hold.on) await new Promise<void>((r) => waiting.push(r));
  }, timers);
  return { s, hold, release: () => waiting.splice(0).forEach((r) => r()) };
}


test('a task runs at start, then every interval, count times in all', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const { s } = scheduler(timers, runs, compiledTask('T', 1000, 3), compiledTask('Forever', 5000, undefined));
  s.start();
  await timers.advance(0);
  t.deepEqual(runs, ['T@0', 'Forever@0']);
  await timers.advance(10_000);
  t.deepEqual(runs, ['T@0', 'Forever@0', 'T@1000', 'T@2000', 'Forever@5000', 'Forever@10000']);
  t.is(s.runsOf('T'), 3);
  t.is(timers.pending.size, 1, 'only the endless task keeps a timer');
});

test('a run still going when the task fires again: that firing is skipped and not counted', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const { s, hold, release } = scheduler(timers, runs, compiledTask('T', 1000, 3));
  hold.on = true;
  s.start();
  await timers.advance(2500);
  t.deepEqual(runs, ['T@0']);
  hold.on = false;
  release();
  await tick();
  await timers.advance(1000);
  t.deepEqual(runs, ['T@0', 'T@3000']);
  t.is(s.runsOf('T'), 2);
});

test('a reload keeps an unchanged task on its schedule with its count, restarts a changed one, drops a removed one; one timer each', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const first = scheduler(timers, runs, compiledTask('Same', 1000, 3), compiledTask('Changed', 1000, 2), compiledTask('Gone', 1000, undefined)).s;
  first.start();
  await timers.advance(1500);
  t.deepEqual(runs.splice(0), ['Same@0', 'Changed@0', 'Gone@0', 'Same@1000', 'Changed@1000', 'Gone@1000']);
  const second = scheduler(timers, runs, compiledTask('Same', 1000, 3), compiledTask('Changed', 1000, 2, '<other/>')).s;
  second.start(first);
  t.is(timers.pending.size, 2, 'the old timers are stopped');
  await timers.advance(5000);
  // Same keeps its 2 s slot and stops at 3 runs; Changed starts again at once (1500) with its own count
  t.deepEqual(runs, ['Changed@1500', 'Same@2000', 'Changed@2500']);
  t.is(second.runsOf('Same'), 3);
  t.is(second.runsOf('Gone'), undefined);
});

test('stop ends every timer; settled waits for the runs in flight, also those of the scheduler a reload replaced', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const old = scheduler(timers, runs, compiledTask('T', 1000, undefined));
  old.hold.on = true;
  old.s.start();
  await timers.advance(0);
  const next = scheduler(timers, runs, compiledTask('U', 1000, undefined)).s;
  next.start(old.s);
  await timers.advance(0);
  next.stop();
  t.is(timers.pending.size, 0);
  let settled = false;
  const done = next.settled().then(() => (settled = true));
  await tick();
  t.false(settled, 'the replaced scheduler\'s run is still going');
  old.release();
  await done;
  t.true(settled);
  await timers.advance(10_000);
  t.deepEqual(runs, ['T@0', 'U@0']);
});

test('firings missed while the process was held up are not made up: the next keeps to the schedule', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const { s } = scheduler(timers, runs, compiledTask('T', 1000, undefined));
  s.start();
  await timers.advance(0);
  // the timer of 1000 fires late, at 3400 (a busy event loop)
  const [id, p] = [...timers.pending][0]!;
  timers.pending.set(id, { ...p, at: 3400 });
  await timers.advance(4000);
  t.deepEqual(runs, ['T@0', 'T@3400', 'T@4000']);
});

test('a cron task runs at the times its Quartz expression gives on the wall clock, not at start; a wait beyond setTimeout\'s longest is made in steps', async (t) => {
  const timers = new FakeTimers();
  // the wall clock: 2026-12-03T12:00:02.500Z at t = 0
  const epoch = Date.UTC(2026, 11, 3, 12, 0, 2, 500);
  const wall = timers as FakeTimers & { date(): number };
  wall.date = () => epoch + timers.t;
  const runs: string[] = [];
  const every5 = { ...compiledTask('Every5', 0, undefined), def: { ...compiledTask('Every5', 0, undefined).def, cron: '0-59/5 * * * * ?' } };
  const { s } = scheduler(wall, runs, every5);
  s.start();
  await timers.advance(0);
  t.deepEqual(runs, [], 'a cron trigger does not fire at start');
  await timers.advance(12_000);
  // 12:00:05, :10, :15 (t = 2500, 7500, 12500 > 12000: not yet)
  t.deepEqual(runs, ['Every5@2500', 'Every5@7500']);
  s.stop();

  const yearly = { ...compiledTask('Yearly', 0, undefined), def: { ...compiledTask('Yearly', 0, undefined).def, cron: '0 0 0 1 1 ? 2028' } };
  const far = new FakeTimers() as FakeTimers & { date(): number };
  far.date = () => epoch + far.t;
  const yr: string[] = [];
  const y = scheduler(far, yr, yearly);
  y.s.start();
  const [first] = [...far.pending.values()];
  t.is(first!.at, 2 ** 31 - 1, 'armed for setTimeout\'s longest delay, not beyond it');
  await far.advance(2 ** 31 - 1);
  t.deepEqual(yr, [], 'woken before its time: waits on');
  const due = new Date(2028, 0, 1).getTime() - epoch; // (midnight in the process's time zone, as Quartz's in the JVM's)
  await far.advance(due - far.t);
  t.deepEqual(yr, [`Yearly@${due}`]);
  t.is(far.pending.size, 0, 'no time after 2028: no timer');
});
