/**
 * Attachments to remote recipients (SPEC §12): blobs travel by hash through MAESTRO_FED_BLOBS in
 * chunks (a file larger than NATS's 1 MB max_payload too), are verified by hash on arrival,
 * stored once, and `read --save-attachments` works on the receiving host. Bad input: a file over
 * the receiving host's limit, and a blob whose bytes do not match the signed hash — refused,
 * audited there, dead on the sender; nothing stored on the receiver.
 */
import { randomBytes, createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { as, expectFailure, expectRefused } from "./msg-helpers.ts";
import { twoHosts, type TwoHosts, fedStatus } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;
let bobToken: string;
let scratch: string;

const LIMIT_B = 3 * 1024 * 1024;

beforeAll(async () => {
  hosts = await twoHosts(`\n[limits]\nattachment_bytes = ${LIMIT_B}\n`);
  ({ a, b, bobToken } = hosts);
  scratch = join(a.home, "scratch");
  mkdirSync(scratch);
}, 60_000);

afterAll(async () => {
  await hosts?.stop();
});

const file = (name: string, bytes: Uint8Array) => {
  const p = join(scratch, name);
  writeFileSync(p, bytes);
  return p;
};
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bobInbox = async () => JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "100"], as(bobToken))) as MessageView[];
const deadOn = async (h: TestHome) => JSON.parse(await h.ok(["dead", "--json"])) as (MessageView & { dead_reason?: string })[];
const auditOf = async (h: TestHome) => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as { actor: string; action: string; outcome: string; detail: string }[];
const blobsOn = (h: TestHome) => {
  try {
    return readdirSync(join(h.home, "blobs")).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
};

describe("federation attachments", () => {
  test("a 1.5 MB file and a small one reach bob@beta; read --save-attachments saves them byte for byte; sent twice, stored once", async () => {
    const big = new Uint8Array(randomBytes(1_500_000));
    const small = new TextEncoder().encode("small notes\n");
    const args = ["--attach", file("big.bin", big), "--attach", file("notes.txt", small)];
    const id1 = (await a.ok(["send", "bob@beta", "two files", ...args])).trim();
    const id2 = (await a.ok(["send", "bob@beta", "the same again", ...args])).trim();
    expect(id1).not.toBe(id2);
    await waitFor(async () => (await bobInbox()).filter((m) => m.body === "two files" || m.body === "the same again").length === 2, 30_000);
    const got = (await bobInbox()).find((m) => m.body === "two files")!;
    expect(got.attachments?.map((x) => [x.name, x.size, x.sha256])).toEqual([
      ["big.bin", big.byteLength, sha(big)],
      ["notes.txt", small.byteLength, sha(small)],
    ]);
    const out = join(b.home, "saved");
    mkdirSync(out);
    const r = await b.run(["read", got.id, "--save-attachments", out], as(bobToken));
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(join(out, "big.bin")))).toBe(sha(big));
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("small notes\n");
    // Content-addressed on beta: two messages, two files, two blobs.
    expect(blobsOn(b).filter((n) => n === sha(big) || n === sha(small)).sort()).toEqual([sha(big), sha(small)].sort());
  }, 60_000);

  test("over the receiving host's limit: refused on beta (audited, nothing stored), dead on alpha with the limit named", async () => {
    const before = (await bobInbox()).length;
    const blobsBefore = blobsOn(b).length;
    const big = new Uint8Array(randomBytes(LIMIT_B + 1000));
    const r = await a.run(["send", "bob@beta", "too big for beta", "--attach", file("huge.bin", big), "--wait", "delivered", "--timeout", "30s"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`dead for bob@beta \\(refused by beta: attachment huge.bin is ${big.byteLength} bytes, over the limit of ${LIMIT_B} here`));
    expect((await auditOf(b)).some((x) => x.actor === "operator@alpha" && x.outcome === "denied" && /huge.bin .* over the limit/.test(x.detail))).toBe(true);
    expect((await bobInbox()).length).toBe(before);
    expect(blobsOn(b).length).toBe(blobsBefore);
    // Over the sender's own limit (10 MiB): refused at send, exit 6, nothing stored.
    const huge = file("11m.bin", new Uint8Array(11 * 1024 * 1024));
    expectFailure(await a.run(["send", "bob@beta", "x", "--attach", huge]), 6, /over the limit/);
  }, 60_000);

  test("a blob whose bytes do not match the signed hash: refused on arrival, audited, dead on alpha", async () => {
    const before = (await bobInbox()).length;
    await b.ok(["daemon", "stop"]);
    const bytes = new Uint8Array(randomBytes(5000));
    const sent = await a.run(["send", "bob@beta", "tampered", "--attach", file("t.bin", bytes)]);
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(async () => (await fedStatus(a)).outbox === 0);
    // Someone with access to the stream replaces the blob's chunk while beta is away.
    const nc = await connect({ servers: hosts.nats.url });
    await jetstream(nc).publish(`maestro.fed.blob.${sha(bytes)}.0`, new Uint8Array(randomBytes(5000)));
    await nc.close();
    await b.start();
    await waitFor(async () => (await deadOn(a)).some((m) => m.body === "tampered"), 30_000);
    const d = (await deadOn(a)).find((m) => m.body === "tampered")!;
    expect(JSON.stringify(d)).toMatch(/refused by beta: attachment t.bin: hash mismatch on arrival/);
    expect((await auditOf(b)).some((x) => x.outcome === "denied" && /t.bin: hash mismatch on arrival/.test(x.detail))).toBe(true);
    expect((await bobInbox()).length).toBe(before);
    expect(blobsOn(b)).not.toContain(sha(bytes));
  }, 60_000);

  test("a body that cannot fit one NATS publish is refused at send (exit 6, nothing stored) and holds nothing back", async () => {
    const before = (await bobInbox()).length;
    // Under the body limit (1 MiB) but over what nats-server's 1 MB max_payload can carry.
    const body = "x".repeat(1_040_000);
    await expectRefused(a, ["send", "bob@beta", "-"], 6, /to a recipient on another host a message may take \d+ bytes as JSON/, { stdin: body });
    expect((await fedStatus(a)).outbox).toBe(0);
    // The same body to a local recipient is fine, and a small one to beta still flows.
    expect((await a.run(["send", "operator", "-"], { stdin: body })).code).toBe(0);
    const id = (await a.ok(["send", "bob@beta", "after the big one"])).trim();
    await waitFor(async () => (await bobInbox()).some((m) => m.body === "after the big one"), 30_000);
    expect(id).toMatch(/^\S+$/);
    expect((await bobInbox()).length).toBe(before + 1);
  }, 60_000);
});
