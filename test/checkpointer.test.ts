/**
 * The checkpoint worker (src/workers/checkpointer.ts) against a real daemon: once writes pause, a
 * PASSIVE checkpoint has copied the whole WAL and the next commit starts the log over in place —
 * the WAL header's checkpoint sequence number advances while the file keeps its size (no
 * ftruncate inside a COMMIT).
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";

const h = new TestHome();
afterAll(() => h.cleanup());

/** Bytes 12–15 of the WAL header: how many times the log has been started over. */
function walSequence(wal: string): number {
  const fd = openSync(wal, "r");
  try {
    const b = Buffer.alloc(32);
    readSync(fd, b, 0, 32, 0);
    return b.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

test("after a burst, the WAL rewinds in place once the writes pause: same file size, log started over", async () => {
  await h.start();
  await h.ok(["bench", "send", "-n", "3000", "--json"]);
  const wal = join(h.home, "maestro.db-wal");
  const burstSize = statSync(wal).size;
  expect(burstSize).toBeGreaterThan(1024 * 1024);
  const before = walSequence(wal);
  // Each send is one more commit; the first after the worker's PASSIVE has caught up restarts the log.
  await waitFor(async () => {
    await h.ok(["send", "bench-sink", "tick"]);
    return walSequence(wal) !== before;
  }, 20_000);
  // Started over, not cut: later frames overwrite the file in place (the indexer may still have
  // added some after the burst, so it can only have grown).
  expect(statSync(wal).size).toBeGreaterThanOrEqual(burstSize);
});
