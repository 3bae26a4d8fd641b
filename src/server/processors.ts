/**
 * The message processors of a runtime (`<messageProcessor>`, config/store-def.ts), each taking messages
 * out of its store (mediators/message-store.ts) every `interval` ms:
 *
 * - Forwarding (ScheduledMessageForwardingProcessor): the stored messages in order, one at a time, to
 *   its target endpoint, until the store is empty. An answer with a 2xx status delivers the message
 *   (taken out of the store; the answer goes to the reply sequence, if any, else is dropped). A send
 *   that fails (the endpoint's errors: refused, timed out, suspended…) or another status is tried again
 *   after client.retry.interval, up to max.delivery.attempts in all; then the message goes to the fault
 *   sequence (if any) and, with max.delivery.drop=Enabled, is dropped and the next one goes on, else the
 *   processor deactivates (as WSO2's does), keeping the message first in its store. A status listed in
 *   non.retry.status.codes is not tried again: the fault sequence, and the message is taken out.
 * - Sampling (SamplingProcessor): up to `concurrency` messages each interval, taken out of the store
 *   and injected into its sequence (responses take main's out path; errors are logged).
 *
 * A reload replaces the processors: the old ones stop (a delivery in flight finishes first), then the
 * new ones start over the same stores, so no message is sent twice by two processors. Shutdown stops
 * them likewise. Each process runs its own, over its own stores (`--workers N`: each worker's).
 */
import { type ForwardingProcessorDef, type MessageProcessorDef, type SamplingProcessorDef } from '../config/store-def.ts';
import { type Logger } from '../logging.ts';
import { MessageAbort } from '../message/abort.ts';
import { MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { DefaultScope } from '../message/property-scopes.ts';
import { injectInto } from '../mediators/flow.ts';
import { type MessageStore, type StoredMessage } from '../mediators/message-store.ts';
import { MoorError } from '../errors.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setErrorProperties } from '../mediators/sequence-runner.ts';
import { type Runtime } from './runtime.ts';
import { type TaskTimers, REAL_TIMERS } from './tasks.ts';

/** What a processor did, for tests and logs. */
export interface ProcessorState {
  active: boolean;
  delivered: number;
  failedAttempts: number;
}

export class ProcessorSet {
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Set<unknown>();
  private readonly wakes = new Set<() => void>();
  readonly states = new Map<string, ProcessorState>();

  constructor(
    private readonly runtime: Runtime,
    private readonly log: Logger,
    private readonly clock: TaskTimers = REAL_TIMERS,
  ) {}

  /** Starts every processor, once `previous` (the set a reload replaces) has stopped. */
  start(previous?: ProcessorSet): void {
    const begin = (): void => {
      if (this.stopped) return;
      for (const def of this.runtime.compiled.processors) {
        const state: ProcessorState = { active: def.active, delivered: 0, failedAttempts: 0 };
        this.states.set(def.name, state);
        if (def.active) this.loop(def, state);
      }
    };
    if (previous) void previous.stop().then(begin);
    else begin();
  }

  /** Stops every processor; resolves once no delivery is in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) this.clock.clear(t);
    this.timers.clear();
    for (const wake of this.wakes) wake();
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** Waits `ms`, or less when the set stops; resolves to false once stopped. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve(false);
      const wake = (): void => {
        this.timers.delete(timer);
        this.wakes.delete(wake);
        resolve(!this.stopped);
      };
      const timer = this.clock.set(wake, ms);
      this.timers.add(timer);
      this.wakes.add(wake);
    });
  }

  private loop(def: MessageProcessorDef, state: ProcessorState): void {
    const store = this.runtime.stores.get(def.store.name);
    if (!store) return;
    const holder = turnHolder(def.name);
    // (a processor that starts active is active on every node sharing the store: a reload or a restart
    // starts a deactivated one again, as in memory; said once the store answers)
    let reactivated = false;
    let storeDown = false;
    const run = (async () => {
      while (!this.stopped && state.active) {
        try {
          if (!reactivated) await store.setDeactivated(def.name, false);
          reactivated = true;
          if (def.type === 'forward') await this.forwardAll(def, store, state, holder);
          else await this.sample(def, store);
          if (storeDown) this.log.info(`message processor "${def.name}": message store "${store.name}" answers again`, { component: 'store' });
          storeDown = false;
        } catch (e) {
          // (a store whose Redis is away is said once, and tried again every interval until it answers)
          const unavailable = e instanceof MoorError && e.code === 'MOOR_ERR_STORE_UNAVAILABLE';
          if (!unavailable) this.log.error(`message processor "${def.name}": ${(e as Error).message}`, { component: 'store' });
          else if (!storeDown) this.log.warn(`message processor "${def.name}": ${(e as Error).message}; trying again every ${def.intervalMs} ms`, { component: 'store' });
          storeDown ||= unavailable;
        }
        if (!state.active || !(await this.sleep(def.intervalMs))) break;
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /**
   * Delivers the stored messages in order until the store is empty, a delivery gives up, or the set
   * stops; only while this processor holds the store's turn (a Redis store: one node at a time).
   */
  private async forwardAll(def: ForwardingProcessorDef, store: MessageStore, state: ProcessorState, holder: string): Promise<void> {
    if (await store.deactivated(def.name)) {
      state.active = false;
      this.log.error(`message processor "${def.name}" deactivated: another node deactivated it (a message of "${store.name}" was not delivered); a reload or restart starts it again`, { component: 'store' });
      return;
    }
    const turn = await store.turn(holder);
    if (!turn) return;
    try {
      for (let m = await store.peek(); m && !this.stopped && state.active && !turn.lost; m = await store.peek()) {
        const outcome = await this.deliver(def, m);
        if (outcome === 'delivered') {
          await store.remove(m);
          state.delivered++;
          state.failedAttempts = 0;
          continue;
        }
        state.failedAttempts++;
        const last = outcome instanceof Final || state.failedAttempts >= def.maxAttempts;
        if (!last) {
          if (!(await this.sleep(def.retryMs))) return;
          continue;
        }
        const why = outcome instanceof Final ? outcome.why : outcome;
        await this.toFaultSequence(def, m, why);
        state.failedAttempts = 0;
        if (outcome instanceof Final || def.dropAfterMax) {
          await store.remove(m);
          this.log.warn(`message processor "${def.name}": a message of "${store.name}" was not delivered (${describe(why)}) and is dropped`, { component: 'store' });
        } else {
          state.active = false;
          await store.setDeactivated(def.name, true);
          this.log.error(`message processor "${def.name}" deactivated: a message of "${store.name}" was not delivered in ${def.maxAttempts} attempts (${describe(why)}); it stays first in the store`, { component: 'store' });
        }
      }
    } finally {
      await turn.release();
    }
  }

  /** One attempt: 'delivered', a Final failure (a non-retry status), or why it failed (to try again). */
  private async deliver(def: ForwardingProcessorDef, m: StoredMessage): Promise<'delivered' | Final | unknown> {
    const { endpoints, compiled } = this.runtime;
    // (without targetEndpoint, the message's own target.endpoint property names it, as in Apache Synapse)
    const key = def.endpoint?.name ?? m.properties.get('target.endpoint');
    if (typeof key !== 'string' || !compiled.config.endpoints.has(key)) {
      return new Final(new Error(typeof key === 'string' ? `no endpoint named "${key}" (its target.endpoint property)` : 'the message has no target.endpoint property, and the processor no targetEndpoint'));
    }
    const msg = messageOf(m, this.runtime, this.log);
    try {
      const response = await endpoints.of({ kind: 'ref', key, loc: def.endpoint?.loc ?? def.loc }).send(msg);
      const status = response.status;
      if (status >= 200 && status < 300) {
        const reply = def.replySequence && compiled.sequences.get(def.replySequence.name);
        if (reply) {
          await injectInto(compiled, endpoints, reply, response).catch((e: unknown) => {
            this.log.warn(`message processor "${def.name}": reply sequence: ${(e as Error).message}`, { component: 'store' });
          });
        }
        else await response.body.discard();
        return 'delivered';
      }
      await response.body.discard();
      const why = new Error(`the endpoint answered HTTP ${status}`);
      return def.nonRetryStatuses.has(status) ? new Final(why) : why;
    } catch (e) {
      return e;
    } finally {
      msg.releaseParsed();
    }
  }

  private async toFaultSequence(def: ForwardingProcessorDef, m: StoredMessage, why: unknown): Promise<void> {
    const seq = def.faultSequence && this.runtime.compiled.sequences.get(def.faultSequence.name);
    if (!seq) return;
    const msg = messageOf(m, this.runtime, this.log);
    setErrorProperties(msg, why);
    await injectInto(this.runtime.compiled, this.runtime.endpoints, seq, msg).catch((e: unknown) => {
      this.log.warn(`message processor "${def.name}": fault sequence: ${(e as Error).message}`, { component: 'store' });
    });
  }

  /** Takes up to `concurrency` messages out and runs each through the sequence, together. */
  private async sample(def: SamplingProcessorDef, store: MessageStore): Promise<void> {
    const seq = this.runtime.compiled.sequences.get(def.sequence.name);
    if (!seq) return;
    const runs: Promise<void>[] = [];
    for (const m of await store.take(def.concurrency)) {
      const msg = messageOf(m, this.runtime, this.log);
      runs.push(
        injectInto(this.runtime.compiled, this.runtime.endpoints, seq, msg)
          .catch((e: unknown) => {
            this.log.warn(`message processor "${def.name}": ${(e as Error).message}`, { component: 'store' });
          })
          .finally(() => msg.releaseParsed()),
      );
    }
    await Promise.all(runs);
  }
}

/** A failure that is not tried again. */
class Final {
  constructor(readonly why: unknown) {}
}

function describe(why: unknown): string {
  return why instanceof Error ? why.message : String(why);
}

/** A stored message as a request of its own, whose answers go nowhere. */
function messageOf(m: StoredMessage, runtime: Runtime, log: Logger): MessageContext {
  const body = new MessageBody(m.envelope, runtime.limits, m.envelope.length, 'trusted');
  return new MessageContext('request', new Map(m.headers), body, new MessageAbort(), log, discard, { version: m.version, properties: new DefaultScope(m.properties) });
}

async function discard(reply: MessageContext): Promise<void> {
  try {
    await reply.body.discard();
  } catch {
    // nothing to keep
  }
}

/** A name for this process's turns to forward (server/redis-message-store.ts keeps it in the turn key, for an operator reading Redis). */
function turnHolder(processor: string): string {
  return `${hostname()}:${process.pid}:${processor}:${randomBytes(6).toString('base64url')}`;
}
