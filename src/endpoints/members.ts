/**
 * What session affinity needs of the endpoint it wraps: its members, the order a new session takes
 * them in, and a send that any member may answer. A group is one (GroupEndpoint); a single endpoint is
 * a pool of one ({@link membersOf}), so affinity wraps either without knowing which.
 */
import { type MessageContext } from '../message/context.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';
import { StandIn } from './stand-in.ts';
import { type Answered, FORCE } from './try-in-order.ts';

export interface Members extends Endpoint {
  readonly members: readonly Endpoint[];
  /** The member whose stable id is `id` (looked up on every message of a session). */
  member(id: string): Endpoint | undefined;
  /**
   * The members a new (or moved) session may be bound to, best first, without draining members and
   * without `exclude`; by the rendezvous order of `byHash` when given.
   */
  membersForNewSession(exclude?: ReadonlySet<Endpoint>, byHash?: string): Endpoint[];
  /** Sends to whichever member the balancing order gives; the answer and the member that gave it. */
  sendFree(request: MessageContext): Promise<Answered>;
}

/** `endpoint` as a pool: a group is one already; any other endpoint is the only member of its own. */
export function membersOf(endpoint: Endpoint): Members {
  return isMembers(endpoint) ? endpoint : new SoleMember(endpoint);
}

function isMembers(e: Endpoint): e is Members {
  return 'membersForNewSession' in e && 'sendFree' in e;
}

/** A single endpoint seen as a pool of one: itself, unless excluded or draining. */
class SoleMember extends StandIn implements Members {
  readonly members: readonly Endpoint[];

  constructor(private readonly only: Endpoint) {
    super(only);
    this.members = [only];
  }

  member(id: string): Endpoint | undefined {
    return id === this.only.id ? this.only : undefined;
  }

  membersForNewSession(exclude?: ReadonlySet<Endpoint>): Endpoint[] {
    return this.only.draining || exclude?.has(this.only) ? [] : [this.only];
  }

  send(request: MessageContext, options?: SendOptions): Promise<MessageContext> {
    return this.only.send(request, options);
  }

  sendFree(request: MessageContext): Promise<Answered> {
    return this.only.send(request, FORCE).then((response) => ({ response, member: this.only }));
  }
}
