/**
 * The end of all work on one message: the client went away, or time ran out. Nearly every message runs
 * to its end, yet an AbortController with its AbortSignal (an EventTarget) and a listener per send cost
 * a visible part of a small message's time; this holds a plain flag and listener list, and makes a
 * standard AbortSignal only for code that asks for one (a user's class mediator, say).
 */

/** Told once, when the message is aborted. */
export interface AbortListener {
  onAbort(reason: Error): void;
}

export class MessageAbort {
  private why: Error | undefined;
  private listeners: AbortListener[] | undefined;
  private controller: AbortController | undefined;

  /** True once the message was aborted. */
  get aborted(): boolean {
    return this.why !== undefined;
  }

  /** Why it was aborted. */
  get reason(): Error | undefined {
    return this.why;
  }

  /** Aborts the message: every listener is told, once. Later calls do nothing. */
  abort(reason: Error): void {
    if (this.why) return;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const l of listeners) l.onAbort(reason);
    this.controller?.abort(reason);
  }

  /** `listener` is told when the message is aborted (at once if it already was). */
  subscribe(listener: AbortListener): void {
    if (this.why) listener.onAbort(this.why);
    else (this.listeners ??= []).push(listener);
  }

  unsubscribe(listener: AbortListener): void {
    const ls = this.listeners;
    if (!ls) return;
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
  }

  /** A standard AbortSignal that follows this one, made on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }
}
