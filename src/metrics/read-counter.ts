/**
 * A counter without labels whose value is kept elsewhere and read when scraped: the access log counts
 * its own losses whether or not metrics are on (its warnings need the counts), so the metric only reads
 * them. In the shape prom-client's registry prints and its AggregatorRegistry sums across the worker
 * processes of `--workers N`, as series.ts's families are.
 */
import { type Registry } from 'prom-client';

export class ReadCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[] = [];

  /** `read` gives the count now, or undefined when there is nothing to count (the metric then has no sample). */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | undefined,
  ) {}

  /** What the registry prints. */
  get(): { name: string; help: string; type: 'counter'; aggregator: 'sum'; values: { labels: Record<string, string>; value: number }[] } {
    const value = this.read();
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values: value === undefined ? [] : [{ labels: {}, value }] };
  }

  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}
