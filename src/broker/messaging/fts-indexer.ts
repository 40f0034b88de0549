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
  private readonly timer: Timer;
  private indexing = false;
  /** Mirrors meta fts_indexed_to, so an idle daemon opens no transaction every tick. */
  private indexedTo = -1;

  /** `lastId`: the newest message id committed (the index is complete once it reaches it). */
  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly log: ConsolaInstance,
    private readonly lastId: () => number,
  ) {
    this.timer = setInterval(() => this.slice(), FTS_SLICE_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
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
      .finally(() => (this.indexing = false));
  }
}
