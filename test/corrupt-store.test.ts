/**
 * A maestro.db that SQLite cannot read: the client prints the daemon's own reason (not a timeout),
 * naming the file, saying it was left untouched and what to do next; the bytes are unchanged, and
 * the command it suggests gets a working daemon with an empty store.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { TestHome, alive } from "./helpers.ts";
import { expectFailure } from "./msg-helpers.ts";

const homes: TestHome[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
});

function damagedHome(): { h: TestHome; db: string; garbage: Buffer } {
  const h = new TestHome();
  homes.push(h);
  const db = join(h.home, "maestro.db");
  const garbage = randomBytes(8192);
  writeFileSync(db, garbage);
  return { h, db, garbage };
}

test("maestro status on a garbage maestro.db: which file, untouched, what to do; exit 5; bytes unchanged", async () => {
  const { h, db, garbage } = damagedHome();
  const line = expectFailure(await h.run(["status"]), 5);
  expect(line).toContain(`maestro: the daemon failed to start: the database ${db} cannot be read (file is not a database); it was left untouched.`);
  expect(line).toContain("Restore it from a backup, or move it aside to start with an empty store:");
  expect(readFileSync(db).equals(garbage)).toBe(true);
  expect(existsSync(`${db}-wal`)).toBe(false);
  const pid = h.daemonPid(); // the failed daemon's, left in the lock file; it is gone
  expect(pid === undefined || !alive(pid)).toBe(true);

  // The suggested command works as given, and then so does maestro, on an empty store.
  const command = /`(mkdir .*)`$/.exec(line)![1]!;
  const aside = /^mkdir (\S+) /.exec(command)![1]!;
  await Bun.$`sh -c ${command}`;
  expect(readFileSync(join(aside, "maestro.db")).equals(garbage)).toBe(true);
  const s = JSON.parse(await h.ok(["status", "--json"]));
  expect(s.messages).toBe(0);
});

test("the foreground daemon says the same and exits 1", async () => {
  const { h, db, garbage } = damagedHome();
  const r = await h.run(["daemon"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`maestro: the database ${db} cannot be read (file is not a database); it was left untouched.`);
  expect(readFileSync(db).equals(garbage)).toBe(true);
});
