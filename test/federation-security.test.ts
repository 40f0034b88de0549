/**
 * No host speaks for another (SPEC §12): envelopes published straight into JetStream by the test
 * (an attacker with NATS access) — bad signature, unknown host, replayed, another host's name,
 * a duplicate, a spoofed directory entry — are refused and audited; only the genuine one is stored.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { TestHome, waitFor } from "./helpers.ts";
import { NatsServer, twoHosts, type TwoHosts, fedStatus, waitForName } from "./fed-helpers.ts";
import { DIRECTORY_BUCKET, inSubject, seal, SIG_HEADER, type Envelope } from "../src/federation/envelope.ts";
import type { MessageView } from "../src/protocol/message.ts";

let hosts: TwoHosts;
let nats: NatsServer;
let a: TestHome;
let b: TestHome;
let nc: NatsConnection;
let js: JetStreamClient;
let alphaKey: CryptoKey;
let strangerKey: CryptoKey;
let n = 0;

beforeAll(async () => {
  hosts = await twoHosts();
  ({ nats, a, b } = hosts);
  await waitForName(b, "operator@alpha");
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  alphaKey = await crypto.subtle.importKey("jwk", JSON.parse(readFileSync(join(a.home, "federation-host.key"), "utf8")) as JsonWebKey, { name: "Ed25519" }, false, ["sign"]);
  strangerKey = ((await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair).privateKey;
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await hosts?.stop();
});

function envelope(body: string, over: Partial<Envelope> = {}, from = "operator"): Envelope {
  const now = Date.now();
  return {
    v: 1,
    kind: "message",
    from: "alpha",
    to: "beta",
    at: now,
    body: { id: 9e15 + ++n, from, to: ["bob"], subject: "", body, type: "notification", priority: 1, metadata: null, ack: 0, created_at: now, expires_at: null, in_reply_to: null, thread: null },
    ...over,
  } as Envelope;
}

async function publish(env: Envelope, key: CryptoKey, msgID = `t.${++n}`): Promise<boolean> {
  const { data, sig } = await seal(key, env);
  const h = headers();
  h.set(SIG_HEADER, sig);
  return (await js.publish(inSubject("beta"), data, { msgID, headers: h })).duplicate;
}

const bobBodies = async () => (JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "10000"])) as MessageView[]).map((m) => m.body);
const denied = async () =>
  (JSON.parse(await b.ok(["audit", "--json", "--limit", "1000"])) as { action: string; outcome: string; detail: string }[]).filter((r) => r.action.startsWith("federation.") && r.outcome === "denied");

describe("federation: signatures, replays, spoofing", () => {
  test("each forgery is refused and audited; the genuine envelope is stored once despite a duplicate publish", async () => {
    const genuine = envelope("sec-genuine");
    expect(await publish(genuine, alphaKey, "dup-1")).toBe(false);
    expect(await publish(genuine, alphaKey, "dup-1")).toBe(true); // JetStream's own dedupe (Nats-Msg-Id)
    await publish(genuine, alphaKey, "dup-2"); // past JetStream's dedupe: the receiver's seen ids
    await publish(envelope("sec-badsig"), strangerKey);
    await publish(envelope("sec-ghost", { from: "ghost" }), strangerKey);
    await publish(envelope("sec-replay", { at: Date.now() - 10 * 60_000 }), alphaKey);
    // Signed by alpha, claiming to come from beta; and a sender name with another host in it.
    await publish(envelope("sec-claim-host", { from: "beta" }), alphaKey);
    await publish(envelope("sec-claim-name", {}, "bob@beta"), alphaKey);

    await waitFor(async () => (await fedStatus(b)).refused >= 5 && (await fedStatus(b)).duplicates >= 1, 15_000);
    const s = await fedStatus(b);
    const bodies = (await bobBodies()).filter((x) => x.startsWith("sec-"));
    console.log(`forgeries: published 8 (1 genuine + 1 duplicate + 1 JetStream-deduped + 5 forged), stored ${bodies.length}, duplicates refused ${s.duplicates}, forged refused ${s.refused}`);
    expect(bodies).toEqual(["sec-genuine"]);
    expect(s.refused).toBe(5);
    expect(s.duplicates).toBe(1);
    const why = (await denied()).map((r) => r.detail).join("\n");
    expect(why).toMatch(/bad signature: not signed by host alpha's key/);
    expect(why).toMatch(/unknown host ghost/);
    expect(why).toMatch(/replayed or clock skewed/);
    expect(why).toMatch(/bad signature: not signed by host beta's key/);
    expect(why).toMatch(/malformed envelope: body\.from/);
    expect(why).toMatch(/duplicate: message id already stored/);
  }, 30_000);

  test("a directory entry for alpha with another key is refused (pinned) and audited; alpha still verifies", async () => {
    const kv = await new Kvm(nc).open(DIRECTORY_BUCKET);
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const x = (await crypto.subtle.exportKey("jwk", pair.publicKey)).x!;
    // alpha's daemon puts its own entry back as soon as it sees ours, and the bucket keeps one
    // value per host: a watcher on beta that comes to it after alpha's rewrite never sees the
    // forgery at all (no harm done, nothing to audit). So put it again until beta has seen one.
    const forge = () => kv.put("alpha", JSON.stringify({ host: "alpha", key: x, at: Date.now(), names: [{ name: "operator", kind: "operator", presence: "online" }] }));
    const seen = async () => (await denied()).some((r) => /host alpha changed its key/.test(r.detail));
    await waitFor(async () => (await seen()) || (await forge(), waitFor(seen, 500).then(() => true, () => false)), 15_000);
    const before = (await fedStatus(b)).refused;
    await publish(envelope("sec-spoofkey"), pair.privateKey);
    await waitFor(async () => (await fedStatus(b)).refused > before, 15_000);
    // alpha's daemon rewrites its own entry; its real key still works on beta.
    await a.ok(["send", "bob@beta", "sec-after-spoof"]);
    await waitFor(async () => (await bobBodies()).includes("sec-after-spoof"), 15_000);
    expect(await bobBodies()).not.toContain("sec-spoofkey");
  }, 30_000);
});
