/**
 * An endpoint that stands for another: its identity, state, load and leaves are the other's. What it
 * does differently is how it sends (a session's affinity; a single endpoint seen as a pool of one).
 */
import { type MessageContext } from '../message/context.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';

export abstract class StandIn implements Endpoint {
  constructor(protected readonly standsFor: Endpoint) {}

  get id(): string {
    return this.standsFor.id;
  }

  get label(): string {
    return this.standsFor.label;
  }

  get draining(): boolean {
    return this.standsFor.draining;
  }

  set draining(value: boolean) {
    this.standsFor.draining = value;
  }

  get inFlight(): number {
    return this.standsFor.inFlight;
  }

  available(now: number): boolean {
    return this.standsFor.available(now);
  }

  leaves(): Iterable<Endpoint> {
    return this.standsFor.leaves();
  }

  abstract send(request: MessageContext, options?: SendOptions): Promise<MessageContext>;
}
