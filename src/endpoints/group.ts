/**
 * Load-balance and failover groups. Without a session, each message goes to the next member (or the
 * primary) and, when a member cannot be connected to, to the one after it. With a <session>, the
 * group routes through its {@link SessionRouter}: a StickyRouter (binding table) or, for
 * mode="insert" cookies, a CookieRouter (no table).
 */
import { type GroupDef } from '../config/endpoint-def.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { Balancer } from './balancer.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';
import { EndpointError } from './outbound.ts';
import { rendezvousOrder } from './rendezvous.ts';

/** Routes the messages of a group that holds a <session>. */
export interface SessionRouter {
  send(request: MessageContext): Promise<MessageContext>;
}

export class GroupEndpoint implements Endpoint {
  readonly id: string;
  readonly label: string;
  draining: boolean;
  readonly balancer: Balancer;
  sticky: SessionRouter | undefined;
  private readonly byId = new Map<string, Endpoint>();
  /** failover dynamic="false": the member that answered last, where the next message starts. */
  private stayOn: Endpoint | undefined;

  constructor(
    readonly def: GroupDef,
    readonly members: readonly Endpoint[],
    private readonly weights: readonly number[],
    /** Must be the clock its addresses use, or suspension would be judged on two time lines. */
    private readonly clock: Clock = systemClock,
  ) {
    this.id = def.name ?? `${def.kind}(${members.map((m) => m.id).join(',')})`;
    this.label = def.name ?? def.kind;
    this.draining = def.draining;
    this.balancer = new Balancer(def.algorithm, members, weights);
    // the first of equal ids wins, as a search in member order would find it
    for (let i = members.length - 1; i >= 0; i--) this.byId.set(members[i]!.id, members[i]!);
  }

  get inFlight(): number {
    let n = 0;
    for (const m of this.members) n += m.inFlight;
    return n;
  }

  available(now: number): boolean {
    return !this.draining && this.members.some((m) => m.available(now));
  }

  *leaves(): Iterable<Endpoint> {
    for (const m of this.members) yield* m.leaves();
  }

  /** The member whose stable id is `id` (looked up on every message of a session). */
  member(id: string): Endpoint | undefined {
    return this.byId.get(id);
  }

  /** Members in the order to try for a message that may go anywhere. */
  candidates(exclude?: ReadonlySet<Endpoint>): Endpoint[] {
    const now = this.clock.now();
    return this.def.kind === 'failover' ? this.balancer.ordered(now, exclude, this.stayOn) : this.balancer.order(now, exclude);
  }

  /**
   * The members a new (or moved) session may be bound to, best first, without draining members and
   * without `exclude`: the balancing order, or, given the session's key (`byHash`), the rendezvous
   * order of that key — members that are up first, each part by score — which every node computes
   * alike without asking anyone. The one place a session's member is chosen, for table and cookie
   * affinity alike (the caller decides when to hash: SessionDef.choose).
   */
  membersForNewSession(exclude?: ReadonlySet<Endpoint>, byHash?: string): Endpoint[] {
    const candidates = this.candidates(exclude).filter((m) => !m.draining);
    if (byHash === undefined) return candidates;
    const now = this.clock.now();
    const ranked = rendezvousOrder(byHash, candidates, (m) => this.weights[this.members.indexOf(m)] ?? 1);
    return [...ranked.filter((m) => m.available(now)), ...ranked.filter((m) => !m.available(now))];
  }

  send(request: MessageContext, options: SendOptions = {}): Promise<MessageContext> {
    // (not async: the sticky path hands its promise on without a frame of its own)
    return this.sticky ? this.sticky.send(request) : this.sendFree(request, options).then((r) => r.response);
  }

  /**
   * Sends to the first candidate that can be connected to; returns the response and the member that
   * served it. Only connection failures move on, and only while the body can still be replayed.
   */
  async sendFree(request: MessageContext, options: SendOptions = {}, exclude?: ReadonlySet<Endpoint>): Promise<{ response: MessageContext; member: Endpoint }> {
    const tried: string[] = [];
    for (const member of this.candidates(exclude)) {
      try {
        const response = await member.send(request, { ...options, force: true });
        if (!this.def.dynamic && this.def.kind === 'failover') this.stayOn = member;
        return { response, member };
      } catch (e) {
        if (!canTryNext(e, request) || !this.def.failover) throw e;
        tried.push(member.label);
      }
    }
    throw new MoorError('MOOR_ERR_NO_ENDPOINT', `no endpoint of ${this.label} could be reached${tried.length ? ` (tried ${tried.join(', ')})` : ''}`);
  }
}

/** True when `e` is a failure that left the backend untouched and the body can be sent again. */
export function canTryNext(e: unknown, request: MessageContext): boolean {
  return e instanceof EndpointError && e.retryable && request.body.replayable && !request.abort.aborted;
}
