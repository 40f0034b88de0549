import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";

// A real full filesystem: a 4 MiB tmpfs as the home. Mounting needs root (CI runs as root).
const root = process.getuid?.() === 0;
const mountpoint = mkdtempSync(join(tmpdir(), "mfull-"));
let mounted = false;

beforeAll(() => {
  if (!root) return;
  mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mountpoint]).exitCode === 0;
});
afterAll(() => {
  if (mounted) Bun.spawnSync(["umount", "-l", mountpoint]);
  rmSync(mountpoint, { recursive: true, force: true });
});

describe.skipIf(!root)("disk full (needs root to mount a small tmpfs)", () => {
  test("send on a full filesystem fails with a clear error and exit 1; the database stays intact and the daemon recovers", async () => {
    expect(mounted).toBe(true);
    const h = new TestHome({ home: join(mountpoint, "home") });
    try {
      await h.ok(["register", "sink"]);
      const printed: string[] = [];
      // Fill most of the disk with a file we can delete later, then send until the disk is full.
      const filler = join(mountpoint, "filler");
      writeFileSync(filler, new Uint8Array(3 * 1024 * 1024 - 512 * 1024));
      const body = "x".repeat(64 * 1024);
      let failure;
      for (let i = 0; i < 200 && !failure; i++) {
        const r = await h.run(["send", "sink", "-"], { stdin: `${i} ${body}` });
        if (r.code === 0) printed.push(r.stdout.trim());
        else failure = r;
      }
      expect(failure, "the disk never filled").toBeDefined();
      expect(failure!.code).toBe(1);
      expect(failure!.stderr.trim().split("\n")).toHaveLength(1);
      expect(failure!.stderr).toMatch(/disk .* is full.*nothing was stored/);

      // The daemon is still up; free the space and it works again.
      rmSync(filler);
      expect((await h.run(["status"])).code).toBe(0);
      const after = (await h.ok(["send", "sink", "after the disk was freed"])).trim();
      const inbox = JSON.parse(await h.ok(["inbox", "sink", "--limit", "1000", "--json"])) as { id: string }[];
      const ids = new Set(inbox.map((m) => m.id));
      for (const id of [...printed, after]) expect(ids.has(id), id).toBe(true);

      await h.ok(["daemon", "stop"]);
      const db = new Database(join(h.home, "maestro.db"), { readonly: true });
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      db.close();
    } finally {
      await h.cleanup();
    }
  });
});
