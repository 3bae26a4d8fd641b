/**
 * What <iterate> and <aggregate> share: the group of messages one iterate made from one message, and
 * the aggregations collecting the replies to them. A part knows its group through its default-scope
 * property map, which the part's responses share (MessageContext.derive), so a reply found anywhere in
 * the part's path — its target sequence after a <call>, or the out sequence after a <send> — is placed.
 */
import { type MessageContext } from '../message/context.ts';

/** One reply (or part) an aggregation collected: its DOM and the elements its expression selected. */
export interface Arrival {
  readonly index: number;
  readonly msg: MessageContext;
  readonly doc: Document;
  readonly matches: readonly Node[];
}

/** The replies one <aggregate> collected for one group. */
export interface Aggregation {
  readonly arrivals: Arrival[];
  done: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Completes with what arrived (runs onComplete). */
  complete(): Promise<void>;
  /** The <messageCount min>, if given: the fewest replies worth completing with when parts failed. */
  readonly min: number | undefined;
  /** The <messageCount max>, if given: complete once that many replies are in. */
  readonly max: number | undefined;
}

export class SplitGroup {
  /** Aggregations by <aggregate> mediator (one per mediator that saw a reply of this group). */
  readonly aggregations = new Map<object, Aggregation>();
  /** An error raised while completing (in onComplete), for the iterate to report. */
  error: unknown;
  private resolveCompleted!: () => void;
  /** Settles once an aggregation of this group has completed. */
  readonly completed: Promise<void> = new Promise((resolve) => (this.resolveCompleted = resolve));
  private isCompleted = false;

  constructor(
    /** The iterate's `id`, matched by <aggregate id>. */
    readonly id: string | undefined,
    /** The message that was split: its client gets the aggregated answer. */
    readonly origin: MessageContext,
    /** How many parts the iterate made. */
    readonly total: number,
  ) {}

  /** True once an aggregation of this group completed. */
  get isComplete(): boolean {
    return this.isCompleted;
  }

  /** Records that an aggregation completed (with `error` if its onComplete failed). */
  markCompleted(error?: unknown): void {
    if (error !== undefined) this.error ??= error;
    this.isCompleted = true;
    this.resolveCompleted();
  }
}

const MEMBERSHIP = new WeakMap<Map<string, unknown>, { readonly group: SplitGroup; readonly index: number }>();

/** Makes the message whose properties are `properties` the `index`-th part of `group`. */
export function joinGroup(properties: Map<string, unknown>, group: SplitGroup, index: number): void {
  MEMBERSHIP.set(properties, { group, index });
}

/** The group `msg` (a part, or a reply to one) belongs to, if any. */
export function membershipOf(msg: MessageContext): { readonly group: SplitGroup; readonly index: number } | undefined {
  return MEMBERSHIP.get(msg.properties);
}
