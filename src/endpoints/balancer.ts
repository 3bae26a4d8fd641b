/**
 * Load-balance algorithms as an ordering of members: the first is the choice, the rest are the
 * failover order. Members that are suspended or draining go last (tried only when nothing else is up).
 */
import { type Algorithm } from '../config/endpoint-def.ts';
import { type Endpoint } from './endpoint.ts';

export class Balancer {
  private next = 0;
  private readonly wheel: number[];

  constructor(
    private readonly algorithm: Algorithm,
    private readonly members: readonly Endpoint[],
    weights: readonly number[],
  ) {
    // weighted round robin: each member appears on the wheel as often as its weight, interleaved
    this.wheel = [];
    if (algorithm === 'weightedRoundRobin') {
      const w = weights.map((x) => Math.max(1, x));
      const current = w.map(() => 0);
      const total = w.reduce((a, b) => a + b, 0);
      for (let i = 0; i < total; i++) {
        let best = 0;
        for (let j = 0; j < w.length; j++) {
          current[j]! += w[j]!;
          if (current[j]! > current[best]!) best = j;
        }
        current[best]! -= total;
        this.wheel.push(best);
      }
    } else this.wheel = members.map((_, i) => i);
  }

  /** Members in the order to try them, for a message that is free to go anywhere. */
  order(now: number, exclude?: ReadonlySet<Endpoint>): Endpoint[] {
    const start = this.wheel[this.next++ % this.wheel.length] ?? 0;
    if (this.next >= this.wheel.length * 1_000_000) this.next = 0;
    let rotated = this.members.map((_, i) => this.members[(start + i) % this.members.length]!);
    // least active (moor's extension): fewest requests in flight first; ties keep the rotation
    if (this.algorithm === 'leastActive') rotated = rotated.map((m, i) => ({ m, i, n: m.inFlight })).sort((a, b) => a.n - b.n || a.i - b.i).map((x) => x.m);
    const allowed = exclude ? rotated.filter((m) => !exclude.has(m)) : rotated;
    const up = allowed.filter((m) => m.available(now));
    const down = allowed.filter((m) => !m.available(now) && !m.draining);
    return [...up, ...down];
  }

  /**
   * Members in configuration order (failover groups: the primary first), or from `from` on, wrapping
   * round (a failover with dynamic="false" stays on the member that last answered).
   */
  ordered(now: number, exclude?: ReadonlySet<Endpoint>, from?: Endpoint): Endpoint[] {
    const at = from ? Math.max(0, this.members.indexOf(from)) : 0;
    const inOrder = at === 0 ? this.members : [...this.members.slice(at), ...this.members.slice(0, at)];
    const allowed = exclude ? inOrder.filter((m) => !exclude.has(m)) : [...inOrder];
    return [...allowed.filter((m) => m.available(now)), ...allowed.filter((m) => !m.available(now) && !m.draining)];
  }
}
