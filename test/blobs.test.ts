/**
 * The attachment store survives a daemon killed mid-write: a blob is written to a temporary name
 * and renamed, and an existing blob is reused only when its size and hash check out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { alive, TestHome, waitFor } from "./helpers.ts";
import { as, closeHome, identities, openHome, send } from "./msg-helpers.ts";

let h: TestHome;
let scratch: string;
beforeAll(async () => ({ h, scratch } = await openHome()));
afterAll(() => closeHome(h, scratch));

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const pattern = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 131 + seed) & 0xff);

async function savedBytes(token: string, id: string, dir: string, name: string): Promise<Uint8Array> {
  await h.ok(["read", id, "--save-attachments", dir], as(token));
  return new Uint8Array(readFileSync(join(dir, name)));
}

test("a truncated blob left under its hash (a crash of an older store) is rewritten by the next send of the same file", async () => {
  const { a, b } = await identities(h, "a", "b");
  const bytes = pattern(200_000, 3);
  const file = join(scratch, "report.bin");
  writeFileSync(file, bytes);
  const blobs = join(h.home, "blobs");
  mkdirSync(blobs, { recursive: true, mode: 0o700 });
  writeFileSync(join(blobs, sha(bytes)), bytes.subarray(0, 4096)); // what a kill mid-writeFile left
  writeFileSync(join(blobs, `.tmp-${sha(bytes)}-deadbeef`), bytes.subarray(0, 100)); // and a temporary
  const id = await send(h, a.token, [b.name, "the report", "--attach", file]);
  expect(await savedBytes(b.token, id, join(scratch, "out1"), "report.bin")).toEqual(bytes);
  expect(readFileSync(join(blobs, sha(bytes))).byteLength).toBe(bytes.byteLength);
  // purge sweeps the temporary (no message refers to it) and keeps the blob in use
  const swept = JSON.parse(await h.ok(["purge", "--older-than", "1d", "--json"])) as { blobs: number };
  expect(swept.blobs).toBe(1);
  expect(readdirSync(blobs).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
  expect(existsSync(join(blobs, sha(bytes)))).toBe(true);
});

test("a blob damaged after it was stored is reported missing, never served as the attachment", async () => {
  const { a, b } = await identities(h, "a", "b");
  const bytes = pattern(5000, 9);
  const file = join(scratch, "notes.bin");
  writeFileSync(file, bytes);
  const id = await send(h, a.token, [b.name, "notes", "--attach", file]);
  writeFileSync(join(h.home, "blobs", sha(bytes)), pattern(5000, 10)); // same size, other bytes
  const r = await h.run(["read", id, "--save-attachments", join(scratch, "out2")], as(b.token));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/notes\.bin is missing from the blob store.*stays unread/);
  expect(existsSync(join(scratch, "out2", "notes.bin"))).toBe(false);
  // the next send of the same file repairs it
  const again = await send(h, a.token, [b.name, "notes again", "--attach", file]);
  expect(await savedBytes(b.token, again, join(scratch, "out3"), "notes.bin")).toEqual(bytes);
});

test("the daemon SIGKILLed while it writes an attachment: whatever it acknowledged, and the same file sent afterwards, arrive whole", async () => {
  const { a, b } = await identities(h, "a", "b");
  const blobs = join(h.home, "blobs");
  mkdirSync(blobs, { recursive: true, mode: 0o700 });
  for (let round = 0; round < 3; round++) {
    const bytes = pattern(8 * 1024 * 1024, 20 + round);
    const file = join(scratch, `big${round}.bin`);
    writeFileSync(file, bytes);
    const pid = (await h.start(), h.daemonPid()!);
    // Kill the daemon as soon as its temporary file for this blob appears (mid-write, or just after).
    const watcher = watch(blobs, (_event, name) => {
      if (name?.startsWith(`.tmp-${sha(bytes)}`) && alive(pid)) process.kill(pid, "SIGKILL");
    });
    let cut;
    try {
      cut = await h.run(["send", b.name, "big", "--attach", file, "--json"], as(a.token));
    } finally {
      watcher.close();
    }
    if (alive(pid)) process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid));
    // A blob under its hash is never short, whenever the kill landed.
    if (existsSync(join(blobs, sha(bytes)))) expect(sha(new Uint8Array(readFileSync(join(blobs, sha(bytes)))))).toBe(sha(bytes));
    if (cut.code === 0) {
      const { id } = JSON.parse(cut.stdout) as { id: string };
      expect(sha(await savedBytes(b.token, id, join(scratch, `cut${round}`), `big${round}.bin`))).toBe(sha(bytes));
    }
    const id = await send(h, a.token, [b.name, "big again", "--attach", file]); // autostarts a new daemon
    expect(sha(await savedBytes(b.token, id, join(scratch, `again${round}`), `big${round}.bin`))).toBe(sha(bytes));
  }
});
