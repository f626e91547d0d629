/**
 * Capped exponential waits between retries of one operation: `first`, 2·first, … up to `max`
 * (5 s by default). Shared by the transaction commits and the partition take-over, which retry
 * until the broker answers or the partition is no longer theirs.
 */
export class Backoff {
  private delay: number;

  constructor(
    first: number,
    private readonly max = 5000,
  ) {
    this.delay = first;
  }

  /** How long the next wait() sleeps (for the retry's log line). */
  get nextMs(): number {
    return this.delay;
  }

  async wait(): Promise<void> {
    const ms = this.delay;
    this.delay = Math.min(this.max, this.delay * 2);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
