/** The runtime endpoint contract, shared by addresses and groups. */
import { type MessageContext } from '../message/context.ts';

export interface Endpoint {
  /** Stable identity across gateway nodes: `name@uri` for addresses, the name (or members) for groups. */
  readonly id: string;
  /**
   * The name the configuration gave it, as faults show it to clients: never an address (which, with
   * socket errors and the like, goes to the log). Unnamed addresses are `anonymous`, unnamed groups
   * their kind.
   */
  readonly label: string;
  /** Sends `request`, returning the response message. Throws EndpointError or MoorError. */
  send(request: MessageContext, options?: SendOptions): Promise<MessageContext>;
  /** True when the endpoint may take new sessions and unbound traffic now. */
  available(now: number): boolean;
  /** Draining endpoints keep their sessions and take no new ones. */
  draining: boolean;
  /** Requests sent and not yet answered (for groups, the sum over their members). */
  readonly inFlight: number;
  /** Every address endpoint below (itself included). */
  leaves(): Iterable<Endpoint>;
}

export interface SendOptions {
  /** Send even when suspended (a bound session tries its own endpoint first). */
  readonly force?: boolean;
}
