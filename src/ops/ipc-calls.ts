/**
 * Calls over a cluster IPC channel, both ways between the primary of `moor start --workers N` and its
 * workers: a request names an operation and its arguments, the reply carries its result or its error
 * (with the HTTP status of an OpsError, so that a 404 in one process stays a 404 in the other).
 *
 *   { moor: <tag>, id, op, args }                   the call
 *   { moor: <tag>, id, result } | { …, error, status? }   its reply
 *
 * Each direction has its own tag, so a process never takes its own calls for replies.
 */
import { type IpcChannel } from '../session/ipc-store.ts';
import { OpsError } from './operations.ts';

interface Call {
  readonly moor: string;
  readonly id: number;
  readonly op: string;
  readonly args: unknown[];
}
interface Reply {
  readonly moor: string;
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
  readonly status?: number;
}

/** Operations that can be called over IPC: each takes JSON-able arguments and resolves to a JSON-able value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callable<T> = { [K in keyof T]: (...args: any[]) => Promise<unknown> };

let seq = 0;

/** Calls `op(...args)` on the far end of `channel`; rejects after `ms` without an answer. */
export function callOver<T extends Callable<T>, O extends keyof T & string>(channel: IpcChannel, tag: string, op: O, args: Parameters<T[O]>, ms: number): Promise<Awaited<ReturnType<T[O]>>> {
  const id = ++seq;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      channel.off('message', listener);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer to ${op} within ${ms} ms`));
    }, ms);
    const listener = (m: unknown): void => {
      const r = m as Reply;
      if (r?.moor !== tag || r.id !== id || 'op' in r) return;
      done();
      if (r.error !== undefined) reject(r.status ? new OpsError(r.status, r.error) : new Error(r.error));
      else resolve(r.result as Awaited<ReturnType<T[O]>>);
    };
    channel.on('message', listener);
    channel.send({ moor: tag, id, op, args } satisfies Call, (e) => {
      if (!e) return;
      done();
      reject(new Error(`the other process is gone: ${e.message}`));
    });
  });
}

/** Answers the calls that come over `channel` with `tag` from `target`. Returns what stops it. */
export function answerOver<T extends Callable<T>>(channel: IpcChannel, tag: string, target: T): () => void {
  const listener = (m: unknown): void => {
    const c = m as Call;
    if (c?.moor !== tag || !('op' in c) || !Object.hasOwn(target, c.op)) return;
    const reply = (r: Omit<Reply, 'moor' | 'id'>): void => void channel.send({ moor: tag, id: c.id, ...r } satisfies Reply, () => undefined);
    (target[c.op as keyof T] as (...a: unknown[]) => Promise<unknown>)(...c.args).then(
      (result) => reply({ result }),
      (e: unknown) => reply({ error: (e as Error).message, ...(e instanceof OpsError ? { status: e.status } : {}) }),
    );
  };
  channel.on('message', listener);
  return () => channel.off('message', listener);
}
