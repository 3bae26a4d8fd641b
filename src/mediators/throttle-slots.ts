/**
 * MaximumConcurrentAccess: the requests of one throttle id in flight at once, counted in this process
 * (as WSO2 counts them per node; under `--workers N` each worker counts its own). A slot is given back
 * once: by the response path's `<throttle id>` (WSO2's way), or else when the exchange ends — a fault,
 * a timeout or a <drop/> that never reaches the response path would otherwise hold it for ever.
 */
import { type MessageContext } from '../message/context.ts';

/** The slots of one throttle id, shared by every <throttle> of the configuration with that id. */
export class ConcurrencySlots {
  private active = 0;

  /** Takes a slot for `msg`'s exchange, or answers false when `max` are taken. */
  take(msg: MessageContext, id: string, max: number): boolean {
    if (this.active >= max) return false;
    this.active++;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.active--;
    };
    heldBy(msg).set(id, release);
    // the exchange's end releases what it holds (the same list as its parse-budget leases)
    (msg.exchange.leases ??= []).push({ release });
    return true;
  }

  /** Requests holding a slot now (tests, metrics). */
  get inFlight(): number {
    return this.active;
  }
}

/** Gives back the slot of throttle `id` that `msg`'s exchange holds, if it holds one. */
export function releaseSlot(msg: MessageContext, id: string): void {
  const held = slots.get(msg.exchange);
  const release = held?.get(id);
  if (!release) return;
  held!.delete(id);
  release();
}

/** The slot releases an exchange holds, by throttle id (the request and its response share the exchange). */
const slots = new WeakMap<object, Map<string, () => void>>();

function heldBy(msg: MessageContext): Map<string, () => void> {
  let held = slots.get(msg.exchange);
  if (!held) slots.set(msg.exchange, (held = new Map()));
  return held;
}
