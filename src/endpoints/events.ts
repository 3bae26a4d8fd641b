/**
 * Endpoint state changes as events: every address endpoint of a registry tells one EndpointEvents,
 * and whoever needs them (the log, health, metrics, an operator's `/endpoints`) subscribes. A listener
 * that throws does not keep the others from hearing it.
 */
import { type StateChange, type StateListener } from './suspension.ts';

export class EndpointEvents {
  private readonly listeners = new Set<StateListener>();

  /** Calls `listener` on every state change from now on; returns the call that stops it. */
  subscribe(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener of `change` (the endpoints call this). */
  readonly emit = (change: StateChange): void => {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a broken listener (a metrics exporter) must not break routing
      }
    }
  };
}

/** One log line for a state change: the endpoint, the move and why. */
export function describeChange(c: StateChange): string {
  const until = c.until === undefined ? '' : ` until ${new Date(c.until).toISOString()}`;
  return `endpoint ${c.endpoint}: ${c.from} → ${c.to}${until}: ${c.reason}`;
}
