/**
 * Counters and histograms whose per-message update is a plain addition on a series bound once per label
 * set. prom-client's own children hash their labels into a string and validate them on every `inc` and
 * `observe` (≈ 0.5–0.9 µs each, and an allocation); these families hold their series in maps keyed by
 * label value and hand prom-client the values only when scraped, in the shape its registry prints and
 * its AggregatorRegistry sums across worker processes (`{ name, help, type, aggregator, get() }`).
 *
 * A family keeps at most `maxSeries` label sets: the labels come from the configuration and from HTTP
 * status codes, but a <send/> to a message's own To address makes endpoints out of client input, so
 * anything beyond the cap is counted under the label value `(other)`.
 */
import { type Registry } from 'prom-client';

/** What prom-client's registry reads from a metric (a subset of prom-client's MetricObject). */
interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}
interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: MetricValue[];
}

/** The label value that stands for every label set past a family's cap. */
export const OTHER = '(other)';

/** Default cap of distinct label sets per family. */
export const DEFAULT_MAX_SERIES = 1000;

/** One series of a counter: add to `value`. */
export interface CounterSeries {
  value: number;
}

/** One series of a histogram: call {@link HistogramSeries.observe}. */
export class HistogramSeries {
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** Series by label values, one level of map per label, capped in number. */
abstract class Family<S> {
  private readonly root = new Map<string, unknown>();
  private size = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly maxSeries: number,
  ) {}

  /** The series of `values` (one per label name, in order), made on first use. Bind it once and keep it. */
  series(...values: string[]): S {
    let map = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      let next = map.get(values[i]!) as Map<string, unknown> | undefined;
      if (!next) map.set(values[i]!, (next = new Map()));
      map = next;
    }
    const last = values[values.length - 1]!;
    let s = map.get(last) as S | undefined;
    if (s === undefined) {
      if (this.size >= this.maxSeries && !values.every((v) => v === OTHER)) return this.series(...values.map(() => OTHER));
      s = this.create();
      map.set(last, s);
      this.size++;
    }
    return s;
  }

  /** Every series with its label values. */
  protected *entries(): Iterable<[Record<string, string>, S]> {
    const walk = function* (map: Map<string, unknown>, depth: number, names: readonly string[], labels: Record<string, string>): Iterable<[Record<string, string>, S]> {
      for (const [k, v] of map) {
        const l = { ...labels, [names[depth]!]: k };
        if (depth === names.length - 1) yield [l, v as S];
        else yield* walk(v as Map<string, unknown>, depth + 1, names, l);
      }
    };
    yield* walk(this.root, 0, this.labelNames, {});
  }

  protected abstract create(): S;

  /** Registers this family with `registry` (as prom-client's own metrics register). */
  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}

/** A counter family: `series(...).value++`. */
export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter';
  readonly aggregator = 'sum';

  constructor(name: string, help: string, labelNames: readonly string[], maxSeries = DEFAULT_MAX_SERIES) {
    super(name, help, labelNames, maxSeries);
  }

  protected create(): CounterSeries {
    return { value: 0 };
  }

  /** What the registry prints. */
  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    for (const [labels, s] of this.entries()) values.push({ labels, value: s.value });
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }
}

/** A histogram family with fixed bucket bounds (seconds). */
export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    maxSeries = DEFAULT_MAX_SERIES,
  ) {
    super(name, help, labelNames, maxSeries);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  /** What the registry prints: cumulative buckets, +Inf, sum and count, as prom-client's Histogram does. */
  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    for (const [labels, s] of this.entries()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { ...labels, le }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
