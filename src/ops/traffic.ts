/**
 * The request rate over the last minutes, for the console's chart: the total of requests answered is
 * read every interval (from the metrics' counters; with --workers, summed over the workers) and the
 * differences kept in a ring. Sampled where the admin listener runs, so the chart is there as soon as
 * the console opens, without the browser having watched.
 */
import { type TrafficView } from './views.ts';

/** Defaults: a sample every 10 s, 10 minutes kept. */
export const TRAFFIC_INTERVAL_MS = 10_000;
export const TRAFFIC_SAMPLES = 60;

export class TrafficHistory {
  /** Totals read at each tick, oldest first; one more than intervals kept. */
  private readonly totals: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Requests answered so far. */
    private readonly readTotal: () => Promise<number>,
    readonly intervalMs = TRAFFIC_INTERVAL_MS,
    private readonly samples = TRAFFIC_SAMPLES,
  ) {}

  /** Samples every interval until the returned function is called (the timer keeps no process alive). */
  start(): () => void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    return () => clearInterval(this.timer);
  }

  /** Reads the total once (the timer calls this; tests call it instead of waiting). */
  async tick(): Promise<void> {
    let total: number;
    try {
      total = await this.readTotal();
    } catch {
      // a worker that did not answer: this interval is left out rather than drawn as a drop
      return;
    }
    this.totals.push(total);
    if (this.totals.length > this.samples + 1) this.totals.shift();
  }

  async view(): Promise<TrafficView> {
    const perInterval: number[] = [];
    // (a total lower than the one before: a worker was replaced and began at 0; count from there)
    for (let i = 1; i < this.totals.length; i++) perInterval.push(Math.max(0, this.totals[i]! - this.totals[i - 1]!));
    const total = await this.readTotal().catch(() => this.totals.at(-1) ?? 0);
    return { intervalMs: this.intervalMs, perInterval, total };
  }
}
