/**
 * Waiting for a marker in a client's output stream (the terminal and WebSocket clients): the
 * time from `since` until the marker went by, even when it straddles two reads.
 */
export class MarkerWatch {
  // The marker may straddle two reads: keep the tail of the previous one.
  private tail = "";
  private want: { marker: string; since: number; resolve(ms: number): void } | undefined;

  /** Whether anyone waits: the caller skips decoding when nobody does. */
  get waiting(): boolean {
    return this.want !== undefined;
  }

  /** One read, decoded as latin1 (keeps byte offsets, the cheapest decode; markers are ASCII). */
  feed(latin1: string): void {
    const w = this.want;
    if (!w) return;
    const text = this.tail + latin1;
    if (text.includes(w.marker)) {
      this.want = undefined;
      w.resolve(performance.now() - w.since);
    }
    this.tail = text.slice(-64);
  }

  /** Resolves with the ms since `since` once `marker` has gone by; `from` names the stream in the error. */
  waitFor(marker: string, since: number, timeoutMs: number, from: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "${marker}" ${from} within ${timeoutMs} ms`)), timeoutMs);
      this.tail = "";
      this.want = {
        marker,
        since,
        resolve: (ms) => {
          clearTimeout(t);
          resolve(ms);
        },
      };
    });
  }
}
