/**
 * Makes the stores test/upgrade.test.ts opens, so every later maestro is tested against the
 * stores earlier ones wrote (SPEC §13). Run after `npm run build`; commit what it writes:
 *
 *   npx bun scripts/make-fixture-store.ts
 *
 * - test/fixtures/store-v<N>/ (N = the current schema): written by the real daemon through the
 *   compiled binary: identities, a group, messages (one read, one with an attachment, a reply).
 *   Its tokens are kept beside it (fixture.json) so the test can act as those identities.
 * - test/fixtures/store-v4/: the schema of commit a9180ef (migrations 1–4, before the
 *   idempotency content hash and retired identities), applied from the same forward-only
 *   migrations (never edited once shipped) and filled in with that schema's SQL.
 *
 * Never regenerate a committed fixture of an older schema: it stands for stores users have.
 */
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS } from "../src/broker/store/migrations.ts";

const root = join(import.meta.dir, "..");
const BIN = join(root, "dist", "maestro");
const fixtures = join(root, "test", "fixtures");
const current = MIGRATIONS.at(-1)!.version;

function maestro(home: string, args: string[], stdin?: string): string {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAESTRO_")) env[k] = v;
  const p = Bun.spawnSync([BIN, ...args], { env: { ...env, MAESTRO_HOME: home }, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin) });
  if (p.exitCode !== 0) throw new Error(`maestro ${args.join(" ")}: ${p.stderr.toString()}`);
  return p.stdout.toString().trim();
}

function currentStore(): void {
  const home = mkdtempSync(join(tmpdir(), "mfix-"));
  const files = mkdtempSync(join(tmpdir(), "mfix-files-"));
  try {
    const token = (name: string) => (JSON.parse(maestro(home, ["register", name, "--json"])) as { token: string }).token;
    const alice = token("alice");
    const bob = token("bob");
    maestro(home, ["group", "add", "team", "alice", "bob"]);
    const plan = join(files, "plan.txt");
    writeFileSync(plan, "step 1: write the fixture\nstep 2: open it with every later maestro\n");
    const first = maestro(home, ["send", "alice", "hello alice", "--subject", "greeting", "--priority", "high", "--meta", "k=v"]);
    const withFile = maestro(home, ["send", "@team", "the plan is attached", "--attach", plan]);
    // alice answers the operator's greeting: a thread of two.
    const r = Bun.spawnSync([BIN, "reply", first, "hello operator"], { env: { ...process.env, MAESTRO_HOME: home, MAESTRO_TOKEN: alice } });
    if (r.exitCode !== 0) throw new Error(`reply: ${r.stderr.toString()}`);
    // bob reads the team message: a delivery in state `read`.
    const env = { MAESTRO_TOKEN: bob };
    const p = Bun.spawnSync([BIN, "read", withFile], { env: { ...process.env, MAESTRO_HOME: home, ...env } });
    if (p.exitCode !== 0) throw new Error(`read: ${p.stderr.toString()}`);
    const fromAlice = (() => {
      const q = Bun.spawnSync([BIN, "send", "bob", "from alice to bob", "--ack"], { env: { ...process.env, MAESTRO_HOME: home, MAESTRO_TOKEN: alice } });
      if (q.exitCode !== 0) throw new Error(`send as alice: ${q.stderr.toString()}`);
      return q.stdout.toString().trim();
    })();
    maestro(home, ["daemon", "stop"]);
    const out = join(fixtures, `store-v${current}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    cpSync(join(home, "maestro.db"), join(out, "maestro.db"));
    cpSync(join(home, "blobs"), join(out, "blobs"), { recursive: true });
    const sha = createHash("sha256").update(readFileSync(plan)).digest("hex");
    writeFileSync(
      join(out, "fixture.json"),
      JSON.stringify({ schema: current, tokens: { alice, bob }, messages: { first, withFile, fromAlice }, attachment: { name: "plan.txt", sha256: sha } }, null, 2) + "\n",
    );
    console.log(`wrote ${out}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
}

/** The schema of commit a9180ef, filled with that schema's own SQL. */
function storeV4(): void {
  const out = join(fixtures, "store-v4");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "blobs"), { recursive: true });
  const db = new Database(join(out, "maestro.db"), { create: true });
  db.run("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
  const at = Date.UTC(2026, 0, 15);
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
    db.run(m.sql);
    db.query("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(m.version, m.name, at);
  }
  const tokenOf = (t: string) => createHash("sha256").update(t).digest();
  const carolToken = "mst_v4-fixture-token-carol-0123456789abcdef";
  db.query("INSERT INTO identities (name, kind, token_hash, created_at) VALUES ('carol', 'agent', ?, ?)").run(tokenOf(carolToken), at);
  db.query("INSERT INTO identities (name, kind, token_hash, created_at) VALUES ('dave', 'agent', ?, ?)").run(tokenOf("mst_v4-fixture-token-dave"), at);
  db.run("INSERT INTO group_members VALUES ('crew', 'carol'), ('crew', 'dave')");
  const blob = new TextEncoder().encode("an attachment from schema 4\n");
  const sha = createHash("sha256").update(blob).digest("hex");
  writeFileSync(join(out, "blobs", sha), blob);
  const id = (n: number) => (at + n) * 1024;
  const msg = db.query(`INSERT INTO messages (id, sender, recipients, subject, body, type, priority, thread_id, in_reply_to, metadata, attachments, ack, created_at)
    VALUES (?, ?, ?, ?, ?, 'notification', 2, ?, ?, NULL, ?, 0, ?)`);
  const delivery = db.query("INSERT INTO deliveries (recipient, message_id, status, priority, read_at) VALUES (?, ?, ?, 2, ?)");
  msg.run(id(1), "operator", '["carol"]', "old", "written by schema 4", id(1), null, null, at + 1);
  delivery.run("carol", id(1), "queued", null);
  msg.run(id(2), "carol", '["dave"]', "", "with a file", id(2), null, JSON.stringify([{ name: "old.txt", size: blob.byteLength, sha256: sha }]), at + 2);
  delivery.run("dave", id(2), "read", at + 3);
  msg.run(id(3), "dave", '["carol"]', "", "a reply from schema 4", id(2), id(2), null, at + 4);
  delivery.run("carol", id(3), "queued", null);
  db.run("PRAGMA journal_mode = DELETE");
  db.close();
  writeFileSync(
    join(out, "fixture.json"),
    JSON.stringify({ schema: 4, commit: "a9180ef", tokens: { carol: carolToken }, rows: { old: id(1), withFile: id(2), reply: id(3) }, attachment: { name: "old.txt", sha256: sha } }, null, 2) + "\n",
  );
  console.log(`wrote ${out}`);
}

const which = process.argv[2];
if (which === undefined || which === "current") currentStore();
if (which === "v4") storeV4();
