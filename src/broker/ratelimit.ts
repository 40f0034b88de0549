/**
 * Sends per identity, by token bucket (SPEC §8: 50/s, burst 200): a runaway agent is stopped
 * before it floods anyone's inbox. Buckets live in memory; a daemon restart refills them.
 */
import { MaestroError } from "../protocol/errors.ts";

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token for `name`, or throws `rate_limited` saying when to retry. */
  take(name: string, now = performance.now()): void {
    if (this.perSecond <= 0) return;
    const b = this.buckets.get(name) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(name, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const retryMs = Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
    throw new MaestroError(
      "rate_limited",
      `rate limit: ${name} may send ${this.perSecond} messages/s (burst ${this.burst}, limits.sends_per_second); retry in ${(retryMs / 1000).toFixed(2)} s`,
      { retry_after_ms: retryMs },
    );
  }
}
