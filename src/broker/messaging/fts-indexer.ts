/**
 * The full-text index, filled off the send path: FTS5 in a trigger halved insert throughput, so a
 * timer indexes small slices in their own group-commit ops, and `search`/`purge` catch up first.
 */
import type { ConsolaInstance } from "consola";
import type { Store } from "../store/index.ts";
import type { Writer } from "./writer.ts";

/** Messages added to the full-text index per transaction when catching up for a search. */
const FTS_BATCH = 2000;
/**
 * Background indexing: a small slice often, so no send waits behind more than ~1 ms of FTS work
 * (about 50 µs a message). 20 per 10 ms keeps up with 2,000 messages/s; past that the index
 * lags, and `search` catches up before it queries.
 */
const FTS_SLICE = 20;
const FTS_SLICE_MS = 10;

export class FtsIndexer {
  /** Set while a slice is due: an idle daemon runs no timer at all (no wake-ups 100 times a second). */
  private timer: Timer | undefined;
  private closed = false;
  private indexing = false;
  /** Mirrors meta fts_indexed_to, so a slice that finds nothing opens no transaction. */
  private indexedTo = -1;

  /** `lastId`: the newest message id committed (the index is complete once it reaches it). */
  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly log: ConsolaInstance,
    private readonly lastId: () => number,
  ) {
    // What a previous run committed but did not index.
    this.kick();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A message was committed: a slice runs within FTS_SLICE_MS, then more while the index lags. */
  kick(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.slice();
    }, FTS_SLICE_MS);
    this.timer.unref();
  }

  /**
   * Brings the full-text index up to date, in batches that each commit on their own so sends
   * waiting behind the indexer wait at most one batch. `search` calls this before querying.
   */
  async indexAll(): Promise<void> {
    while ((await this.writer.write(() => this.store.messages.indexBatch(FTS_BATCH))) > 0) {
      // next batch
    }
  }

  private slice(): void {
    if (this.indexing) return;
    if (this.indexedTo < 0) this.indexedTo = this.store.messages.indexedTo();
    if (this.indexedTo >= this.lastId()) return;
    this.indexing = true;
    this.writer
      .write(() => {
        this.store.messages.indexBatch(FTS_SLICE);
        return this.store.messages.indexedTo();
      })
      .then((to) => (this.indexedTo = to), (err) => this.log.error("indexing failed", err))
      .finally(() => {
        this.indexing = false;
        // Still behind (a burst, or a failed slice): the next slice in FTS_SLICE_MS.
        if (this.indexedTo < this.lastId()) this.kick();
      });
  }
}
