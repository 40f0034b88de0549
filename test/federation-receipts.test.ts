/**
 * Federation (SPEC §12, §8): what the receiving host decides travels back to the sender. A remote
 * recipient's delivery that goes dead (redeliveries exhausted) is dead on the sender too; the
 * receiving host's own policy and rate limit apply to remote senders, each refusal audited there
 * and reported back as a dead receipt — never dropped, never redelivered.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { as, Follower, register } from "./msg-helpers.ts";
import { twoHosts, type TwoHosts, fedStatus } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;
let bobToken: string;

// beta: an --ack message is dead after one push; mallory@alpha may not message anyone there;
// a remote sender gets 1 message/s with a burst of 3.
const BETA = `
[messages]
ack_wait_ms = 300
max_deliver = 1
sweep_ms = 100
[limits]
sends_per_second = 1
send_burst = 3
[[policy]]
action = "deny"
from = "mallory@alpha"
to = "*"
`;

beforeAll(async () => {
  hosts = await twoHosts(BETA);
  ({ a, b, bobToken } = hosts);
}, 60_000);

afterAll(async () => {
  await hosts?.stop();
});

interface DeadView extends MessageView {
  recipient?: string;
  dead_reason?: string | null;
}
const deadOn = async (h: TestHome) => JSON.parse(await h.ok(["dead", "--json"])) as DeadView[];
const auditOf = async (h: TestHome) => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as { actor: string; action: string; target: string; outcome: string; detail: string }[];

describe("federation receipts: dead, policy, rate limit", () => {
  test("a remote --ack delivery whose redeliveries run out is dead on the sender; send --wait read ends with it", async () => {
    const f = new Follower(b, bobToken);
    const waiting = a.run(["send", "bob@beta", "ack me", "--ack", "--wait", "read", "--timeout", "30s"]);
    // bob's follower gets it pushed (one delivery) and never acks: beta's sweeper makes it dead.
    expect((await f.next(15_000)).body).toBe("ack me");
    await f.stop();
    await waitFor(async () => (await deadOn(b)).some((m) => m.body === "ack me"));
    await waitFor(async () => (await deadOn(a)).some((m) => m.body === "ack me"));
    const d = (await deadOn(a)).find((m) => m.body === "ack me")!;
    expect(JSON.stringify(d)).toMatch(/bob@beta/);
    expect(JSON.stringify(d)).toMatch(/dead on beta: max_deliver/);
    const r = await waiting;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/is dead for bob@beta \(dead on beta: max_deliver\)/);
  }, 40_000);

  test("beta's policy refuses mallory@alpha: audited on beta, nothing stored there, dead on alpha with the rule", async () => {
    const mallory = await register(a, "mallory");
    await waitFor(async () => (await fedStatus(b)).hosts >= 2);
    const before = (JSON.parse(await b.ok(["status", "--json"])) as { messages: number }).messages;
    const sent = await a.run(["send", "bob@beta", "from mallory", "--wait", "delivered", "--timeout", "20s"], as(mallory));
    expect(sent.code).toBe(4);
    expect(sent.stderr).toMatch(/dead for bob@beta \(refused by beta: policy rule 1 \(deny from "mallory@alpha" to "\*"\)/);
    const audit = await auditOf(b);
    expect(audit.some((x) => x.actor === "mallory@alpha" && x.action === "federation.receive" && x.outcome === "denied" && /policy rule 1/.test(x.detail))).toBe(true);
    expect((JSON.parse(await b.ok(["status", "--json"])) as { messages: number }).messages).toBe(before);
    const dead = (await deadOn(a)).find((m) => m.body === "from mallory");
    expect(JSON.stringify(dead)).toMatch(/refused by beta: policy rule 1/);
    // Refused once, terminated: not redelivered (no second audit record for it).
    await waitFor(async () => (await fedStatus(a)).outbox === 0);
    expect((await auditOf(b)).filter((x) => x.actor === "mallory@alpha" && /policy rule 1/.test(x.detail))).toHaveLength(1);
  }, 40_000);

  test("beta's rate limit on a remote agent: the burst is stored, the rest dead on alpha with rate_limited; the operator is exempt", async () => {
    const carol = await register(a, "carol");
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await a.ok(["send", "bob@beta", `burst-${i}`], as(carol))).trim());
    await waitFor(async () => (await fedStatus(a)).outbox === 0);
    await waitFor(async () => {
      const got = (JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "100"], as(bobToken))) as MessageView[]).filter((m) => m.body.startsWith("burst-")).length;
      const dead = (await deadOn(a)).filter((m) => m.body.startsWith("burst-")).length;
      return got + dead === 6;
    });
    const got = (JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "100"], as(bobToken))) as MessageView[]).filter((m) => m.body.startsWith("burst-"));
    const dead = (await deadOn(a)).filter((m) => m.body.startsWith("burst-"));
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(new Set([...got, ...dead].map((m) => m.body)).size).toBe(6);
    expect(JSON.stringify(dead[0])).toMatch(/refused by beta: rate limit: carol@alpha may send 1 messages\/s/);
    expect((await auditOf(b)).some((x) => x.actor === "carol@alpha" && /rate limit/.test(x.detail))).toBe(true);
    // alpha's operator: 10 in a row all arrive.
    for (let i = 0; i < 10; i++) await a.ok(["send", "bob@beta", `op-${i}`]);
    await waitFor(async () => (JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "200"], as(bobToken))) as MessageView[]).filter((m) => m.body.startsWith("op-")).length === 10);
  }, 40_000);
});
