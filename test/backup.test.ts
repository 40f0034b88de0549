/**
 * `maestro backup` (through the daemon, while it runs) and `maestro restore` (into a stopped,
 * empty home), with their bad inputs. Everything through the compiled binary and real files.
 */
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { MANIFEST_NAME } from "../src/protocol/backup-manifest.ts";
import { FrameKind } from "../src/protocol/frame.ts";
import { parseId } from "../src/protocol/message.ts";
import { TarWriter } from "../src/protocol/tar.ts";
import { RawPeer, TestHome } from "./helpers.ts";

const homes: TestHome[] = [];
const dirs: string[] = [];
function home(opts?: ConstructorParameters<typeof TestHome>[0]): TestHome {
  const h = new TestHome(opts);
  homes.push(h);
  return h;
}
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "mt-bk-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function oneLine(r: { stderr: string; stdout: string }): void {
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
}

/** What a home holds besides the files any run leaves (lock, log, socket). */
function contents(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => !["daemon.lock", "daemon.log"].includes(f)).sort() : [];
}

/** A home with a little of everything, and a backup of it. */
async function backedUp(): Promise<{ src: TestHome; file: string; attachment: string }> {
  const src = home({ config: "[messages]\nmax_deliver = 7\n" });
  await src.ok(["register", "sink"]);
  const dir = scratch();
  const attachment = join(dir, "notes.txt");
  writeFileSync(attachment, "attached bytes\n");
  await src.ok(["send", "sink", "one"]);
  await src.ok(["send", "sink", "two", "--attach", attachment]);
  await src.ok(["group", "add", "g", "sink"]);
  const file = join(dir, "backup.tar");
  const r = JSON.parse(await src.ok(["backup", file, "--json"]));
  expect(r).toMatchObject({ file, messages: 2, blobs: 1, missing_blobs: [], config: true });
  return { src, file, attachment };
}

describe("backup and restore", () => {
  test("a backup restores into an empty home: messages, attachments, group, config and tokens", async () => {
    const { src, file } = await backedUp();
    const token = (JSON.parse(await src.ok(["register", "reader", "--json"])) as { token: string }).token;
    // taken after the first backup: not in it
    void token;
    const dst = home();
    const r = await dst.run(["restore", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restored 2 messages, 1 attachments and the config into/);
    expect(readFileSync(join(dst.home, "config.toml"), "utf8")).toBe("[messages]\nmax_deliver = 7\n");
    const inbox = JSON.parse(await dst.ok(["inbox", "sink", "--json"])) as { body: string; id: string; attachments?: { name: string }[] }[];
    expect(inbox.map((m) => m.body).sort()).toEqual(["one", "two"]);
    const out = scratch();
    await dst.ok(["read", inbox.find((m) => m.body === "two")!.id, "--save-attachments", out]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("attached bytes\n");
    expect(JSON.parse(await dst.ok(["group", "ls", "--json"]))).toEqual({ groups: [{ name: "g", members: ["sink"] }] });
    expect(contents(dst.home).filter((f) => f.startsWith(".restore-"))).toEqual([]);
  });

  test("a backup taken during 1,000 concurrent sends restores every message acknowledged before it began", async () => {
    const src = home();
    await src.ok(["register", "sink"]);
    const peer = await RawPeer.connect(src.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    const acked = new Set<number>();
    let sent = 0;
    let failed = 0;
    let backupDone = false;
    let ackedBefore: Set<number> | undefined;
    let ackedDuring = 0;
    const file = join(scratch(), "during.tar");
    let backup: Promise<{ code: number; stderr: string }> | undefined;
    const collector = (async () => {
      while (acked.size + failed < sent || !backupDone || sent < 1000) {
        if (acked.size + failed >= sent) {
          await Bun.sleep(1);
          continue;
        }
        const frame = peer.frames.findIndex((f) => f.kind === FrameKind.REPLY || f.kind === FrameKind.ERROR);
        if (frame < 0) {
          await Bun.sleep(0);
          continue;
        }
        const isReply = peer.frames[frame]!.kind === FrameKind.REPLY;
        const body = await peer.next(isReply ? FrameKind.REPLY : FrameKind.ERROR);
        if (!isReply) failed++;
        else {
          acked.add(parseId((body.result as { id: string }).id));
          if (ackedBefore && !backupDone) ackedDuring++;
        }
        if (!ackedBefore && acked.size >= 300) {
          // Everything acknowledged so far was acknowledged before the backup began.
          ackedBefore = new Set(acked);
          backup = src.run(["backup", file]).then((r) => {
            backupDone = true;
            return r;
          });
        }
      }
    })();
    // Keep sending in small batches until the backup is done and at least 1,000 are out.
    // At most 100 in flight: RawPeer does not queue what the socket does not take at once.
    while (!backupDone || sent < 1000) {
      if (sent - acked.size - failed < 100) for (let i = 0; i < 10; i++) peer.request(++sent, "send", { to: ["sink"], body: `m${sent}` });
      await Bun.sleep(1);
    }
    await collector;
    peer.end();
    const b = await backup!;
    expect(b.code, b.stderr).toBe(0);
    expect(failed).toBe(0);
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(ackedDuring + (sent - ackedBefore!.size)).toBeGreaterThan(0);

    const dst = home();
    await dst.ok(["restore", file]);
    const db = new Database(join(dst.home, "maestro.db"), { readonly: true });
    const ids = new Set((db.query("SELECT id FROM messages").all() as { id: number }[]).map((r) => r.id));
    db.close();
    const lost = [...ackedBefore!].filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
    expect(ids.size).toBeGreaterThanOrEqual(ackedBefore!.size);
    expect(ids.size).toBeLessThanOrEqual(sent);
  });

  test("restore into a home with data: refused with exit 6, nothing changed", async () => {
    const { file } = await backedUp();
    const dst = home();
    await dst.ok(["send", "operator", "already here"]);
    await dst.ok(["daemon", "stop"]);
    const before = contents(dst.home);
    const r = await dst.run(["restore", file]);
    expect(r.code).toBe(6);
    oneLine(r);
    expect(r.stderr).toMatch(/already holds a store with 1 messages.*restore only into an empty home/);
    expect(contents(dst.home)).toEqual(before);
  });

  test("restore while the home's daemon runs: refused with exit 6", async () => {
    const { file } = await backedUp();
    const dst = home();
    await dst.start();
    const r = await dst.run(["restore", file]);
    expect(r.code).toBe(6);
    oneLine(r);
    expect(r.stderr).toMatch(/a daemon is running for .*maestro daemon stop/);
  });

  test("restore from a truncated archive: exit 1, nothing written", async () => {
    const { file } = await backedUp();
    const bytes = readFileSync(file);
    for (const cut of [100, 512 + 300, Math.floor(bytes.byteLength / 2), bytes.byteLength - 1024]) {
      const short = join(scratch(), "short.tar");
      writeFileSync(short, bytes.subarray(0, cut));
      const dst = home();
      const r = await dst.run(["restore", short]);
      expect(r.code, `cut at ${cut}`).toBe(1);
      oneLine(r);
      expect(r.stderr).toMatch(/truncated.*nothing was restored/);
      expect(contents(dst.home)).toEqual([]);
    }
  });

  test("restore from an altered archive: exit 1, nothing written", async () => {
    const { file } = await backedUp();
    const bytes = new Uint8Array(readFileSync(file));
    // The manifest comes first; flip a byte deep inside maestro.db's content.
    const altered = bytes.slice();
    altered[512 * 4 + 5000] = altered[512 * 4 + 5000]! ^ 0xff;
    const bad = join(scratch(), "altered.tar");
    writeFileSync(bad, altered);
    const dst = home();
    const r = await dst.run(["restore", bad]);
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.stderr).toMatch(/SHA-256 does not match its manifest.*nothing was restored/);
    expect(contents(dst.home)).toEqual([]);
  });

  test("restore from an archive whose store fails the integrity check, though its hashes match: exit 1, nothing written", async () => {
    const dir = scratch();
    const db = join(dir, "maestro.db");
    const d = new Database(db, { create: true });
    d.run("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)");
    d.run("INSERT INTO schema_migrations VALUES (6, 'x', 0)");
    d.run("CREATE TABLE t (x TEXT)");
    d.run("CREATE INDEX t_x ON t (x)");
    for (let i = 0; i < 500; i++) d.run("INSERT INTO t VALUES (?)", [`row ${i} ${"y".repeat(100)}`]);
    d.close();
    // Damage the index's pages but keep the header: a store SQLite opens and finds inconsistent.
    const bytes = new Uint8Array(readFileSync(db));
    for (let i = bytes.byteLength - 4096 + 200; i < bytes.byteLength - 100; i++) bytes[i] = 0x41;
    writeFileSync(db, bytes);
    const file = join(dir, "corrupt.tar");
    writeArchive(file, 6, [["maestro.db", bytes]]);
    const dst = home();
    const r = await dst.run(["restore", file]);
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.stderr).toMatch(/integrity check|cannot be read|cannot open/);
    expect(contents(dst.home)).toEqual([]);
  });

  test("restore from an archive of a newer schema: exit 5, nothing written", async () => {
    const dir = scratch();
    const db = join(dir, "maestro.db");
    const d = new Database(db, { create: true });
    d.run("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)");
    d.run("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)");
    d.close();
    const file = join(dir, "future.tar");
    writeArchive(file, 99, [["maestro.db", readFileSync(db)]], "9.0.0");
    const dst = home();
    const r = await dst.run(["restore", file]);
    expect(r.code).toBe(5);
    oneLine(r);
    expect(r.stderr).toMatch(/schema version 99 \(maestro 9\.0\.0\), newer than this maestro knows/);
    expect(contents(dst.home)).toEqual([]);
  });

  test("restore of something that is not an archive, or of no file: exit 1 and 3", async () => {
    const dst = home();
    const junk = join(scratch(), "junk.tar");
    writeFileSync(junk, "not a tar at all\n".repeat(100));
    const r = await dst.run(["restore", junk]);
    expect(r.code).toBe(1);
    oneLine(r);
    const missing = await dst.run(["restore", join(scratch(), "nope.tar")]);
    expect(missing.code).toBe(3);
    oneLine(missing);
    expect(contents(dst.home)).toEqual([]);
  });

  test("backup to an unwritable path: exit 1, one line, no file", async () => {
    const h = home();
    await h.ok(["send", "operator", "x"]);
    const dir = scratch();
    writeFileSync(join(dir, "afile"), "");
    for (const target of [join(dir, "afile", "b.tar"), join(dir, "no", "such", "dir", "b.tar")]) {
      const r = await h.run(["backup", target]);
      expect(r.code, target).toBe(1);
      oneLine(r);
      expect(r.stderr).toMatch(/cannot write .*choose a directory you can write; no backup was written/);
    }
    const ro = join(dir, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    if (process.getuid?.() !== 0) {
      const r = await h.run(["backup", join(ro, "b.tar")]);
      expect(r.code).toBe(1);
    }
    expect(readdirSync(dir).sort()).toEqual(["afile", "ro"]);
    expect(readdirSync(ro)).toEqual([]);
  });

  test("backup by an agent: refused with exit 6", async () => {
    const h = home();
    const token = (JSON.parse(await h.ok(["register", "agent", "--json"])) as { token: string }).token;
    const r = await h.run(["backup", join(scratch(), "b.tar")], { env: { MAESTRO_TOKEN: token } });
    expect(r.code).toBe(6);
    oneLine(r);
  });
});

/** An archive with a manifest that matches its files: for stores no daemon of ours would write. */
function writeArchive(file: string, schema: number, files: [string, Uint8Array][], version = "0.1.0"): void {
  const manifest = {
    format: 1,
    maestro_version: version,
    schema_version: schema,
    created_at: new Date().toISOString(),
    home: "/elsewhere",
    files: files.map(([path, bytes]) => ({ path, size: bytes.byteLength, sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") })),
  };
  const fd = openSync(file, "w");
  const tar = new TarWriter(fd);
  tar.addBytes(MANIFEST_NAME, new TextEncoder().encode(JSON.stringify(manifest)));
  for (const [path, bytes] of files) tar.addBytes(path, bytes);
  tar.end();
  closeSync(fd);
}

// A real full filesystem: a small tmpfs as the backup's destination. Mounting needs root.
const root = process.getuid?.() === 0;
const mountpoint = mkdtempSync(join(tmpdir(), "mbkfull-"));
let mounted = false;
beforeAll(() => {
  if (root) mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mountpoint]).exitCode === 0;
});
afterAll(() => {
  if (mounted) Bun.spawnSync(["umount", "-l", mountpoint]);
  rmSync(mountpoint, { recursive: true, force: true });
});

describe.skipIf(!root)("backup to a full disk (needs root to mount a small tmpfs)", () => {
  test("exit 1 saying the disk is full; no archive and no temporary file left; the daemon carries on", async () => {
    expect(mounted).toBe(true);
    const h = home();
    await h.ok(["register", "sink"]);
    for (let i = 0; i < 20; i++) await h.ok(["send", "sink", "-"], { stdin: `${i} ${"x".repeat(60_000)}` });
    const r = await h.run(["backup", join(mountpoint, "b.tar")]);
    expect(r.code, r.stderr).toBe(1);
    oneLine(r);
    expect(r.stderr).toMatch(/disk holding .* is full: free some space or choose another place; no backup was written/);
    expect(readdirSync(mountpoint)).toEqual([]);
    expect((await h.run(["send", "sink", "still fine"])).code).toBe(0);
  });
});
