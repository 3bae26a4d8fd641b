/**
 * A warning said at most once per interval. The access log keeps one for each kind of loss (lines dropped,
 * writes failed), so that a burst of one kind cannot keep the first warning of the other unsaid.
 */
export class WarningThrottle {
  private saidAt = -Infinity;

  constructor(
    private readonly intervalMs = 60_000,
    // (a test's clock; the gateway's is the monotonic one, which a changed system time does not move)
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True (and the interval starts again) when a warning may be said now. */
  allow(): boolean {
    const now = this.now();
    if (now - this.saidAt < this.intervalMs) return false;
    this.saidAt = now;
    return true;
  }
}
