/**
 * A recipient list (config/recipient-list-def.ts): which endpoints get a copy of a message. The copies
 * are made and sent by the <send> that names it (mediators/recipient-send.ts), as a <clone>'s are, so
 * each reply runs the response path and an <aggregate> can gather them; this object only answers
 * "who, for this message": the static recipients that are ready, or the addresses the dynamic list
 * gives, each kept as an address endpoint (its health with it) in a pool of at most max-cache, the
 * least recently used dropped first, as WSO2's DynamicEndpointPool does.
 */
import { type AddressDef } from '../config/endpoint-def.ts';
import { DEFAULT_FAILURE } from '../config/endpoint-failure-def.ts';
import { isHttpUrl } from '../config/leaf-endpoint.ts';
import { MAX_RECIPIENTS, type RecipientListDef, splitRecipients } from '../config/recipient-list-def.ts';
import { MoorError } from '../errors.ts';
import { Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { type Endpoint } from './endpoint.ts';

/**
 * The expression of each dynamic list, compiled with the configuration (mediators/compile.ts), so that
 * its get-property('k') falls back to the local entry k as every other expression's does (expr/entries.ts).
 */
export const listExpressions = new WeakMap<RecipientListDef, Expression>();

export class RecipientListEndpoint implements Endpoint {
  readonly id: string;
  readonly label: string;
  draining: boolean;
  private readonly expression: Expression | undefined;
  /** Dynamic addresses → their endpoints; a Map keeps insertion order, so the first key is the least recently used. */
  private readonly pool = new Map<string, Endpoint>();

  constructor(
    readonly def: RecipientListDef,
    readonly members: readonly Endpoint[],
    /** Makes the address endpoint of a dynamic recipient. */
    private readonly addressOf: (def: AddressDef) => Endpoint,
    private readonly clock: Clock = systemClock,
  ) {
    this.id = def.name ?? `recipientlist(${def.dynamic ? (def.dynamic.literal ?? `{${def.dynamic.expression}}`) : members.map((m) => m.id).join(',')})`;
    this.label = def.name ?? 'recipientlist';
    this.draining = def.draining;
    const ex = def.dynamic?.expression;
    this.expression = ex === undefined ? undefined : (listExpressions.get(def) ?? new Expression(ex, def.dynamic!.namespaces));
  }

  get inFlight(): number {
    let n = 0;
    for (const m of this.all()) n += m.inFlight;
    return n;
  }

  available(now: number): boolean {
    return !this.draining && (this.def.dynamic !== undefined || this.members.some((m) => m.available(now)));
  }

  *leaves(): Iterable<Endpoint> {
    for (const m of this.all()) yield* m.leaves();
  }

  private all(): Endpoint[] {
    return [...this.members, ...this.pool.values()];
  }

  /** Not sent to as one endpoint: only a <send> copies a message to every recipient. */
  send(): Promise<MessageContext> {
    return Promise.reject(new MoorError('MOOR_ERR_MEDIATION', `the recipient list ${this.label} can only be sent to by <send> (or a proxy's target), which copies the message to each recipient`));
  }

  /**
   * The recipients of `msg` that are ready now (a suspended one is skipped, as WSO2 skips a child that is
   * not readyToSend); throws MOOR_ERR_MEDIATION when a dynamic list gives no address, one that is not
   * http(s), or more than MAX_RECIPIENTS (nothing is sent then).
   */
  async recipients(msg: MessageContext): Promise<Endpoint[]> {
    const now = this.clock.now();
    if (!this.def.dynamic) return this.members.filter((m) => m.available(now));
    const d = this.def.dynamic;
    const value = d.literal ?? (await this.expression!.string(msg));
    // (an address listed twice gets two copies, as in WSO2, which looks each one up in its pool)
    const urls = splitRecipients(value);
    if (urls.length === 0) throw new MoorError('MOOR_ERR_MEDIATION', `the recipient list ${this.label} gave no address for this message`);
    if (urls.length > MAX_RECIPIENTS) throw new MoorError('MOOR_ERR_MEDIATION', `the recipient list ${this.label} gave ${urls.length} addresses; moor copies a message to at most ${MAX_RECIPIENTS}`);
    const bad = urls.find((u) => !isHttpUrl(u));
    if (bad !== undefined) throw new MoorError('MOOR_ERR_MEDIATION', `the recipient list ${this.label} gave "${bad}", which is not an http(s) URL`);
    return urls.map((u) => this.pooled(u)).filter((m) => m.available(now));
  }

  private pooled(uri: string): Endpoint {
    let e = this.pool.get(uri);
    if (e) {
      this.pool.delete(uri);
    } else {
      e = this.addressOf({ kind: 'address', loc: this.def.dynamic!.loc, name: undefined, uri, format: undefined, addressing: false, failure: DEFAULT_FAILURE, draining: false, weight: 1 });
    }
    this.pool.set(uri, e);
    while (this.pool.size > this.def.dynamic!.maxCache) this.pool.delete(this.pool.keys().next().value!);
    return e;
  }
}
