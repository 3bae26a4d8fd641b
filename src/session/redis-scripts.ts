/**
 * How the Redis store calls its scripts (redis-client.ts defines them): at the end of the event-loop
 * turn, all those of the turn together in one pipeline, one write (and their replies in one read),
 * where a write per message cost as much as the message's own HTTP exchange. (An explicit pipeline,
 * not ioredis's auto-pipelining, which builds a pipeline even for a lone command.) Each script is still
 * one atomic command on one key. Also what a script's `{endpoint, pttl}` reply means as a binding.
 *
 * A file of its own because both the store's live traffic (redis-store.ts) and its write-back after an
 * outage (redis-fallback.ts) send scripts this way.
 */
import { Cluster } from 'ioredis';
import { type Clock } from './clock.ts';
import { type Client, type ScriptCall, type ScriptName, StoreTimeout } from './redis-client.ts';
import { type Binding } from './store.ts';
import { TurnBatch } from './turn-batch.ts';

/** A script call waiting for the end of the event-loop turn. */
interface QueuedScript {
  readonly name: ScriptName;
  readonly key: string;
  readonly args: (string | number)[];
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  settled?: boolean;
}

/** The scripts of one client, each call sent in its turn's pipeline and answered within `timeoutMs`. */
export class ScriptBatch {
  private readonly scripts: Record<ScriptName, ScriptCall>;

  constructor(
    private readonly client: Client,
    private readonly timeoutMs: number,
  ) {
    const c = client as unknown as Record<ScriptName, ScriptCall>;
    this.scripts = {
      moorGetSliding: c.moorGetSliding.bind(client),
      moorGetAbsolute: c.moorGetAbsolute.bind(client),
      moorClaim: c.moorClaim.bind(client),
      moorRebind: c.moorRebind.bind(client),
      moorHit: c.moorHit.bind(client),
    };
  }

  /** Runs a script with the store's timeout, sent with the other scripts of this turn. */
  run(name: ScriptName, key: string, ...args: (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.batch.add({ name, key, args, resolve, reject }));
  }

  /** The scripts of this turn, waiting to be sent. */
  private readonly batch = new TurnBatch<QueuedScript>((batch) => this.sendBatch(batch));

  private sendBatch(batch: QueuedScript[]): void {
    const ms = this.timeoutMs;
    let open = batch.length;
    // one timer for the batch: what has not answered when it fires times out
    // (timers run before I/O in an event-loop turn: after a busy spell, a reply already waiting on the
    // socket would lose to its own timeout; setImmediate lets that I/O be read first)
    const timer = setTimeout(() => setImmediate(() => {
      for (const q of batch) if (!q.settled) settle(q, false, new StoreTimeout(ms));
    }), ms);
    const settle = (q: QueuedScript, ok: boolean, v: unknown): void => {
      if (q.settled) return;
      q.settled = true;
      if (ok) q.resolve(v);
      else q.reject(v instanceof Error ? v : new Error(String(v)));
      if (--open === 0) clearTimeout(timer);
    };
    if (batch.length === 1 || this.client instanceof Cluster) {
      // (a Cluster client pipelines commands of one turn by node itself; a lone command needs no pipeline)
      for (const q of batch) {
        this.scripts[q.name](q.key, ...q.args).then(
          (v) => settle(q, true, v),
          (e: unknown) => settle(q, false, e),
        );
      }
      return;
    }
    const pipeline = this.client.pipeline() as unknown as Record<ScriptName, (key: string, ...args: (string | number)[]) => unknown> & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const q of batch) pipeline[q.name](q.key, ...q.args);
    pipeline.exec().then(
      (results) => batch.forEach((q, i) => {
        const r = results?.[i];
        if (!r) settle(q, false, new Error('no reply from Redis'));
        else if (r[0]) settle(q, false, r[0]);
        else settle(q, true, r[1]);
      }),
      (e: unknown) => batch.forEach((q) => settle(q, false, e)),
    );
  }
}

/** A binding from a script's `{endpoint, pttl}` reply. */
export function bindingOf(key: string, [endpoint, pttl]: [string, number], clock: Clock): Binding {
  // PTTL -1 (a key someone set without expiry) is taken as never expiring, as Redis would keep it
  return { key, endpoint, expiresAt: pttl >= 0 ? clock.now() + pttl : Number.MAX_SAFE_INTEGER };
}
