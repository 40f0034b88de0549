/** The audit table stays bounded: records older than `audit.keep_days` are pruned; 0 keeps them all. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { Audit } from "../src/broker/audit.ts";
import { loadConfig } from "../src/broker/config.ts";
import { Writer } from "../src/broker/messaging/writer.ts";
import { Store } from "../src/broker/store/index.ts";
import { waitFor } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

function rig(name: string) {
  const store = new Store(join(dir, `${name}.db`));
  const writer = new Writer(store.db);
  const audit = new Audit(store, writer);
  const count = () => (store.db.query("SELECT count(*) AS n FROM audit").get() as { n: number }).n;
  // 12,000 records 100 days old (more than one pruning slice) and 3 from today.
  store.db.transaction(() => {
    for (let i = 0; i < 12_000; i++) store.audit.insert({ at: Date.now() - 100 * DAY, actor: "a", action: "send", target: "b", outcome: "ok", detail: "" });
    for (let i = 0; i < 3; i++) store.audit.insert({ at: Date.now(), actor: "a", action: "send", target: "b", outcome: "ok", detail: "" });
  })();
  return { store, audit, count };
}

test("records older than keep_days are pruned at start (in slices), newer ones stay", async () => {
  const { store, audit, count } = rig("prune");
  expect(count()).toBe(12_003);
  audit.retain(90);
  await waitFor(() => count() === 3);
  audit.close();
  await store.close();
});

test("keep_days = 0 keeps everything", async () => {
  const { store, audit, count } = rig("keep");
  audit.retain(0);
  audit.record("operator", "status", "", "ok"); // a write after it: had pruning been queued, it ran first
  await waitFor(() => count() === 12_004);
  audit.close();
  await store.close();
});

test("audit.keep_days is checked: a whole number of days from 0 to 36500", () => {
  for (const bad of ["-1", "1.5", '"forever"', "40000"]) {
    const file = join(dir, "config.toml");
    writeFileSync(file, `[audit]\nkeep_days = ${bad}\n`);
    expect(() => loadConfig(file), bad).toThrow(/audit\.keep_days/);
  }
});
