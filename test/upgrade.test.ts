/**
 * Upgrades (SPEC §13): stores written by earlier schemas (test/fixtures/store-v*, made by
 * scripts/make-fixture-store.ts) open with this daemon, migrate forward, and keep everything.
 */
import { Database } from "bun:sqlite";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { MIGRATIONS } from "../src/broker/store/migrations.ts";
import { FrameKind } from "../src/protocol/frame.ts";
import { parseId } from "../src/protocol/message.ts";
import { RawPeer, TestHome } from "./helpers.ts";

const NEWEST = MIGRATIONS.at(-1)!.version;
const homes: TestHome[] = [];
const scratch: string[] = [];

afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh home holding a copy of the fixture's store and blobs. */
function fromFixture(name: string): { h: TestHome; fixture: Record<string, any> } {
  const dir = join(import.meta.dirname, "fixtures", name);
  const h = new TestHome();
  homes.push(h);
  cpSync(join(dir, "maestro.db"), join(h.home, "maestro.db"));
  cpSync(join(dir, "blobs"), join(h.home, "blobs"), { recursive: true });
  return { h, fixture: JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8")) };
}

function schemaOf(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return (d.query("SELECT max(version) AS v FROM schema_migrations").get() as { v: number }).v;
  } finally {
    d.close();
  }
}

function saveDir(): string {
  const d = mkdtempSync(join(tmpdir(), "mt-save-"));
  scratch.push(d);
  return d;
}

describe("upgrades", () => {
  test(`a store of the current schema (${NEWEST}) opens with everything in it: identities, tokens, group, messages, states, thread, attachment`, async () => {
    const { h, fixture } = fromFixture(`store-v${NEWEST}`);
    expect(fixture.schema).toBe(NEWEST);
    const alice = { env: { MAESTRO_TOKEN: fixture.tokens.alice } };
    const bob = { env: { MAESTRO_TOKEN: fixture.tokens.bob } };

    const names = (JSON.parse(await h.ok(["identity", "ls", "--json"])) as { name: string }[]).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(["alice", "bob", "operator"]));
    expect(JSON.parse(await h.ok(["group", "ls", "--json"]))).toEqual({ groups: [{ name: "team", members: ["alice", "bob"] }] });

    expect((await h.ok(["whoami"], alice)).trim()).toMatch(/^alice\b/);
    const inbox = JSON.parse(await h.ok(["inbox", "--json"], alice)) as { id: string; body: string; subject: string; priority: string; meta?: Record<string, string> }[];
    const first = inbox.find((m) => m.id === fixture.messages.first)!;
    expect(first).toMatchObject({ body: "hello alice", subject: "greeting", priority: "high" });
    expect(inbox.map((m) => m.id)).toContain(fixture.messages.withFile);

    const thread = JSON.parse(await h.ok(["thread", fixture.messages.first, "--json"])) as { body: string }[];
    expect(thread.map((m) => m.body)).toEqual(["hello alice", "hello operator"]);

    // bob had read the team message; alice's --ack message waits for him.
    const bobUnread = JSON.parse(await h.ok(["inbox", "--unread", "--json"], bob)) as { id: string }[];
    expect(bobUnread.map((m) => m.id)).toEqual([fixture.messages.fromAlice]);

    const dir = saveDir();
    await h.ok(["read", fixture.messages.withFile, "--save-attachments", dir], bob);
    const saved = readFileSync(join(dir, fixture.attachment.name));
    expect(new Bun.CryptoHasher("sha256").update(saved).digest("hex")).toBe(fixture.attachment.sha256);

    // And it still takes new messages.
    await h.ok(["send", "alice", "after the upgrade"]);
    await h.ok(["daemon", "stop"]);
    expect(schemaOf(join(h.home, "maestro.db"))).toBe(NEWEST);
  });

  test("a store of schema 4 (commit a9180ef) migrates forward to the current schema and keeps its rows", async () => {
    const { h, fixture } = fromFixture("store-v4");
    expect(schemaOf(join(h.home, "maestro.db"))).toBe(4);
    const carol = { env: { MAESTRO_TOKEN: fixture.tokens.carol } };

    expect((await h.ok(["whoami"], carol)).trim()).toMatch(/^carol\b/);
    const inbox = JSON.parse(await h.ok(["inbox", "--json"], carol)) as { body: string; from: string }[];
    expect(inbox.map((m) => m.body).sort()).toEqual(["a reply from schema 4", "written by schema 4"]);
    expect(JSON.parse(await h.ok(["group", "ls", "--json"]))).toEqual({ groups: [{ name: "crew", members: ["carol", "dave"] }] });

    const history = JSON.parse(await h.ok(["history", "--json"])) as { id: string; body: string; attachments?: { name: string }[] }[];
    const withFile = history.find((m) => m.body === "with a file")!;
    expect(withFile.attachments?.map((a) => a.name)).toEqual([fixture.attachment.name]);
    const thread = JSON.parse(await h.ok(["thread", withFile.id, "--json"])) as { body: string }[];
    expect(thread.map((m) => m.body)).toEqual(["with a file", "a reply from schema 4"]);
    const dir = saveDir();
    await h.ok(["read", withFile.id, "--save-attachments", dir]);
    expect(readFileSync(join(dir, fixture.attachment.name), "utf8")).toBe("an attachment from schema 4\n");

    // The migrated columns work: an idempotency key (schema 5) and a retired session identity (schema 6).
    const k1 = (await h.ok(["send", "carol", "once", "--idempotency-key", "k"])).trim();
    const k2 = (await h.ok(["send", "carol", "once", "--idempotency-key", "k"])).trim();
    expect(k2).toBe(k1);
    await h.ok(["daemon", "stop"]);
    expect(schemaOf(join(h.home, "maestro.db"))).toBe(NEWEST);
  });

  test("`daemon restart --force` with sends in flight loses no acknowledged message; running sessions end", async () => {
    const h = new TestHome();
    homes.push(h);
    const oldPid = await h.start();
    await h.ok(["register", "sink"]);
    await h.ok(["new", "worker", "--", "sleep", "300"]);
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    const acked: number[] = [];
    let sent = 0;
    let restart: Promise<{ code: number; stderr: string }> | undefined;
    // Send in small batches until the daemon goes away under us; count what was acknowledged.
    while (!peer.closed) {
      for (let i = 0; i < 10; i++) peer.request(++sent, "send", { to: ["sink"], body: `m${sent}` });
      await Bun.sleep(1);
      while (peer.frames.some((f) => f.kind === FrameKind.REPLY)) acked.push(parseId(((await peer.next(FrameKind.REPLY)).result as { id: string }).id));
      if (!restart && acked.length >= 200) restart = h.run(["daemon", "restart", "--force"]);
      if (sent > 200_000) throw new Error("the daemon never went away");
    }
    while (peer.frames.some((f) => f.kind === FrameKind.REPLY)) acked.push(parseId(((await peer.next(FrameKind.REPLY)).result as { id: string }).id));
    const r = await restart!;
    expect(r.code, r.stderr).toBe(0);
    const newPid = h.daemonPid();
    expect(newPid).not.toBe(oldPid);
    expect(acked.length).toBeGreaterThanOrEqual(200);

    const inbox = JSON.parse(await h.ok(["inbox", "sink", "--limit", "10000", "--json"])) as { id: string }[];
    const stored = new Set(inbox.map((m) => parseId(m.id)));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    // Sessions end with the daemon today: the new daemon has none.
    expect(JSON.parse(await h.ok(["ls", "--json"]))).toEqual([]);
  });
});
