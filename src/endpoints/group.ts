/**
 * Load-balance and failover groups. Each message goes to the next member (or the primary) and, when a
 * member cannot be connected to, to the one after it. A group knows nothing of sessions: a group with
 * a <session> is wrapped by SessionAffinity (affinity.ts), which chooses the member itself.
 */
import { type GroupDef } from '../config/endpoint-def.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { Balancer } from './balancer.ts';
import { type Endpoint } from './endpoint.ts';
import { type Members } from './members.ts';
import { rendezvousOrder } from './rendezvous.ts';
import { type Answered, firstToAnswer, inTurn, triedLabels } from './try-in-order.ts';

export class GroupEndpoint implements Members {
  readonly id: string;
  readonly label: string;
  draining: boolean;
  readonly balancer: Balancer;
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

  member(id: string): Endpoint | undefined {
    return this.byId.get(id);
  }

  /** Members in the order to try for a message that may go anywhere. */
  candidates(exclude?: ReadonlySet<Endpoint>): Endpoint[] {
    const now = this.clock.now();
    return this.def.kind === 'failover' ? this.balancer.ordered(now, exclude, this.stayOn) : this.balancer.order(now, exclude);
  }

  /**
   * The balancing order without draining members, or, given the session's key (`byHash`), the
   * rendezvous order of that key — members that are up first, each part by score — which every node
   * computes alike without asking anyone. The one place a session's member is chosen, for table and
   * cookie affinity alike (the caller decides when to hash: SessionDef.choose).
   */
  membersForNewSession(exclude?: ReadonlySet<Endpoint>, byHash?: string): Endpoint[] {
    const candidates = this.candidates(exclude).filter((m) => !m.draining);
    if (byHash === undefined) return candidates;
    const now = this.clock.now();
    const ranked = rendezvousOrder(byHash, candidates, (m) => this.weights[this.members.indexOf(m)] ?? 1);
    return [...ranked.filter((m) => m.available(now)), ...ranked.filter((m) => !m.available(now))];
  }

  send(request: MessageContext): Promise<MessageContext> {
    return this.sendFree(request).then((r) => r.response);
  }

  /**
   * Sends to the first candidate that can be connected to (with failover="false", to the first only);
   * the response and the member that served it.
   */
  async sendFree(request: MessageContext, exclude?: ReadonlySet<Endpoint>): Promise<Answered> {
    const failed = new Set<Endpoint>();
    const answered = await firstToAnswer(request, inTurn(this.candidates(exclude)), failed, this.def.failover);
    if (!answered) throw new MoorError('MOOR_ERR_NO_ENDPOINT', `no endpoint of ${this.label} could be reached${triedLabels(failed)}`);
    if (!this.def.dynamic && this.def.kind === 'failover') this.stayOn = answered.member;
    return answered;
  }
}
