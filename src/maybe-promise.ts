/**
 * A value, or a promise of it. Interfaces on the per-message path (session dispatchers, session stores)
 * may answer at once when they can (a parsed header, an in-memory table): awaiting a value that is
 * already there still costs a turn of the microtask queue, and an async function a promise.
 */
export type MaybePromise<T> = T | PromiseLike<T>;

/** True when `v` is a promise (or another thenable) rather than the value itself. */
export function isPromiseLike<T>(v: MaybePromise<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === 'function';
}
