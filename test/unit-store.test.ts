/** The store's statement maps are typed: a misspelt statement name or a wrong parameter list does not compile. */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { Store } from "../src/broker/store/index.ts";
import { prepareStatements, type MessageRow } from "../src/broker/store/messages.ts";
import { MIGRATIONS } from "../src/broker/store/migrations.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-unit-store-"));
const store = new Store(join(dir, "maestro.db"));
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("statements are reached by checked names, with typed rows and parameters (npm run typecheck holds the @ts-expect-error lines)", () => {
  const s = prepareStatements(store.db);
  const row: MessageRow | null = s.get.get(1);
  expect(row).toBeNull();
  expect(s.maxId.get()?.id).toBeNull();
  // @ts-expect-error a misspelt statement name does not compile
  expect(s.markDelivred).toBeUndefined();
  // @ts-expect-error a positional statement does not take named parameters
  expect(() => s.get.get({ id: 1 })).toThrow();
  expect(s.markDelivered.run({ recipient: "nobody", id: 1, now: 0, ackWait: null }).changes).toBe(0);
});

test("schema 8 renumbers the audit table by time (at × 1024 + rank in its millisecond), keeping order, since and pruning", async () => {
  const path = join(dir, "v7.db");
  const old = new Store(path, MIGRATIONS.filter((m) => m.version <= 7));
  const put = old.db.query("INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?, ?, 'send', '', 'ok', ?)");
  for (const [at, detail] of [[1000, "a"], [2000, "b"], [2000, "c"], [3000, "d"]] as const) put.run(at, "x", detail);
  await old.close();
  const s = new Store(path);
  expect(s.db.query("SELECT id, at, detail FROM audit ORDER BY id").all()).toEqual([
    { id: 1000 * 1024, at: 1000, detail: "a" },
    { id: 2000 * 1024, at: 2000, detail: "b" },
    { id: 2000 * 1024 + 1, at: 2000, detail: "c" },
    { id: 3000 * 1024, at: 3000, detail: "d" },
  ]);
  expect(s.db.query("SELECT name FROM sqlite_master WHERE name IN ('audit_at', 'messages_thread')").all()).toEqual([]);
  expect(s.audit.list(2000, 10).map((e) => e.detail)).toEqual(["d", "c", "b"]);
  // A new record after a clock step back still gets a larger id (ids only grow); `at` says the truth.
  s.audit.insert({ at: 1500, actor: "x", action: "send", target: "", outcome: "ok", detail: "e" });
  expect(s.audit.list(0, 10).map((e) => e.detail)).toEqual(["e", "d", "c", "b", "a"]);
  expect(s.audit.prune(2001, 100)).toBe(3);
  expect(s.audit.list(0, 10).map((e) => e.detail)).toEqual(["e", "d"]);
  await s.close();
});

test("a single-recipient send's commit (message, delivery, audit record) appends about four WAL pages, not six", () => {
  // Each B-tree an insert touches is one page in the commit: messages, deliveries, the unread
  // index, audit. Page splits add one now and then; the old schema wrote 6.6 on average.
  const s = new Store(join(dir, "frames.db"));
  s.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  s.identities.issue("sink", "agent", false);
  let id = Date.now() * 1024;
  const one = () => {
    const row: MessageRow = { id: ++id, sender: "operator", recipients: '["sink"]', subject: "", body: "run the tests and report", type: "notification", priority: 2, thread_id: id, in_reply_to: null, metadata: null, attachments: null, idempotency_key: null, ack: 0, created_at: Date.now(), expires_at: null };
    s.messages.insert(row, ["sink"]);
    s.audit.insert({ at: Date.now(), actor: "operator", action: "send", target: "sink", outcome: "ok", detail: "1m8sy3v5x00" });
  };
  s.db.transaction(() => { for (let i = 0; i < 3000; i++) one(); })();
  s.db.query("PRAGMA wal_checkpoint(TRUNCATE)").all();
  const wal = () => statSync(join(dir, "frames.db-wal")).size;
  const before = wal();
  const n = 500;
  for (let i = 0; i < n; i++) s.db.transaction(one).immediate();
  const pageSize = (s.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  const perCommit = (wal() - before) / (pageSize + 24) / n;
  expect(perCommit).toBeGreaterThan(3.9);
  expect(perCommit).toBeLessThan(4.6);
  s.db.close();
});
