/**
 * Durable bindings (`?durable=1`, `<moor:store durable="true">`): a write that a client will see — a
 * session's first binding, a move — is confirmed by `WAIT 1 <ms>` (at least one replica holds it)
 * before the session's answer leaves the gateway, so a failover that promotes a replica cannot lose a
 * binding a client has already seen. The caller overlaps the wait with the backend's exchange: the
 * binding is usable at once, only the answer waits for {@link DurableWrite.confirmed}.
 *
 * WAIT blocks the connection it is sent on and covers that connection's earlier writes, so these
 * writes travel on a connection of their own (reads and expiry refreshes never queue behind a WAIT),
 * as group commits: the writes of one event-loop turn, then one WAIT, in one pipeline; while that WAIT
 * is pending the next writes gather, so a slow replica costs a new session at most two waits, never a
 * queue of them. On Redis Cluster there is one such lane per primary (a WAIT blocks only the
 * connection to its own primary; a pipeline goes to one primary), found by the key's hash slot.
 *
 * No replica acknowledges within the wait: the answer leaves anyway, the write is counted as
 * unconfirmed and the change is logged once. A fault instead would turn the loss of a replica into an
 * outage of every new session, while the primary still holds each binding; what loses a binding is a
 * failover to a replica that lacks it, which needs the primary to die during the very gap being
 * counted. Until a replica acknowledges again, later writes wait only {@link PROBE_WAIT_MS}, so a
 * primary left without replicas (after a failover, typically) costs new sessions no more than that.
 */
import { Cluster } from 'ioredis';
import { type Logger } from '../logging.ts';
import { type Client, type ScriptName, withTimeout } from './redis-client.ts';
import { keySlot } from './redis-slot.ts';

/** How long a WAIT lasts while no replica acknowledges (ms): a probe, not a wait. */
export const PROBE_WAIT_MS = 5;

/** A write sent for confirmation. */
export interface DurableWrite {
  /** The script's reply (rejects as a plain write would: the store then turns degraded). */
  readonly reply: Promise<unknown>;
  /** Settles (never rejects) once a replica acknowledged the write, or the wait ended without one. */
  readonly confirmed: Promise<void>;
}

/** Writes confirmed or not, since the store started. */
export interface DurabilityCounts {
  confirmed: number;
  unconfirmed: number;
}

interface Queued {
  readonly name: ScriptName;
  readonly key: string;
  readonly args: (string | number)[];
  replied: boolean;
  resolve(v: unknown): void;
  reject(e: Error): void;
  done(): void;
}

/** The writes bound for one primary. */
interface Lane {
  pending: Queued[];
  /** A group's WAIT is pending: the next group waits for it. */
  waiting: boolean;
}

type PipelineLike = Record<ScriptName, (key: string, ...args: unknown[]) => unknown> & {
  call(command: string, ...args: unknown[]): unknown;
  exec(): Promise<unknown>;
};

export class DurableWriter {
  readonly counts: DurabilityCounts = { confirmed: 0, unconfirmed: 0 };
  /** False after a WAIT that no replica acknowledged, until one does. */
  private acknowledging = true;
  private readonly lanes = new Map<string, Lane>();

  constructor(
    readonly client: Client,
    private readonly options: { readonly timeoutMs: number; readonly display: string; readonly log: Logger },
  ) {}

  /** Runs script `name` on `key` and confirms it; the script's last argument (`touch`) is added here. */
  write(name: ScriptName, key: string, ...args: (string | number)[]): DurableWrite {
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    let done!: () => void;
    const reply = new Promise<unknown>((a, b) => ((resolve = a), (reject = b)));
    const confirmed = new Promise<void>((a) => (done = a));
    const lane = this.laneOf(key);
    if (lane.pending.push({ name, key, args: [...args, '1'], replied: false, resolve, reject, done }) === 1 && !lane.waiting) setImmediate(() => this.flush(lane));
    return { reply, confirmed };
  }

  /** The lane of the primary that holds `key` (one lane for a single server or Sentinel). */
  private laneOf(key: string): Lane {
    const id = this.client instanceof Cluster ? (this.client.slots[keySlot(key)]?.[0] ?? '') : '';
    let lane = this.lanes.get(id);
    if (!lane) this.lanes.set(id, (lane = { pending: [], waiting: false }));
    return lane;
  }

  private flush(lane: Lane): void {
    if (lane.waiting || lane.pending.length === 0) return;
    const group = lane.pending;
    lane.pending = [];
    lane.waiting = true;
    void this.send(group).then(() => {
      lane.waiting = false;
      this.flush(lane);
    });
  }

  /** Sends `group` then one WAIT in one pipeline; resolves when the group is settled. */
  private async send(group: Queued[]): Promise<void> {
    const waitMs = this.acknowledging ? this.options.timeoutMs : Math.min(PROBE_WAIT_MS, this.options.timeoutMs);
    const p = this.client.pipeline() as unknown as PipelineLike;
    for (const q of group) {
      // (a pipeline's callbacks run as each reply arrives: the binding is usable before the WAIT ends)
      const reply = new Promise<unknown>((resolve, reject) => p[q.name](q.key, ...q.args, (e: Error | null, v: unknown) => (e ? reject(e) : resolve(v))));
      withTimeout(reply, this.options.timeoutMs).then(
        (v) => {
          q.replied = true;
          q.resolve(v);
        },
        (e: Error) => q.reject(e),
      );
    }
    const acked = new Promise<number>((resolve, reject) => p.call('WAIT', 1, waitMs, (e: Error | null, n: number) => (e ? reject(e) : resolve(n))));
    // (each command's outcome is taken by its callback)
    p.exec().catch(() => undefined);
    const replicas = await withTimeout(acked, waitMs + this.options.timeoutMs).catch(() => 0);
    const ok = replicas >= 1;
    for (const q of group) {
      if (q.replied) this.counts[ok ? 'confirmed' : 'unconfirmed']++;
      q.done();
    }
    if (ok !== this.acknowledging && group.some((q) => q.replied)) {
      this.acknowledging = ok;
      if (ok) this.options.log.info(`session store: a replica of ${this.options.display} acknowledges new bindings again`, { component: 'session' });
      else this.options.log.warn(`session store: no replica of ${this.options.display} acknowledged a new binding within ${waitMs} ms; answering anyway, durable bindings unconfirmed until one does`, { component: 'session' });
    }
  }
}
