/**
 * Federation (SPEC §12): two daemons, hosts "alpha" and "beta", through one real nats-server.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { as, expectFailure, Follower, register } from "./msg-helpers.ts";
import { twoHosts, type TwoHosts, fedStatus } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";
import { startMcp } from "./mcp-helpers.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;
let bobToken: string;

beforeAll(async () => {
  hosts = await twoHosts('remote_control = ["alpha"]');
  ({ a, b } = hosts);
  bobToken = hosts.bobToken;
}, 60_000);

afterAll(async () => {
  await hosts?.stop();
});

const inboxOf = async (h: TestHome, name: string) => JSON.parse(await h.ok(["inbox", name, "--json"])) as MessageView[];

describe("federation", () => {
  test("status shows the federation; ls --all-hosts lists both hosts", async () => {
    const s = await fedStatus(a);
    expect(s).toMatchObject({ host: "alpha", connected: true, outbox: 0, last_error: null });
    const out = await a.ok(["ls", "--all-hosts"]);
    expect(out).toMatch(/bob@beta\s+agent/);
    expect(out).toMatch(/operator@alpha/);
    expect(await a.ok(["metrics"])).toMatch(/maestro_federation_connected 1/);
  });

  test("send name@host arrives once, sender recorded as name@host; reply and --wait reply cross back", async () => {
    const sent = JSON.parse(await a.ok(["send", "bob@beta", "hello across", "--json"])) as { id: string };
    await waitFor(async () => (await inboxOf(b, "bob")).some((m) => m.body === "hello across"));
    const got = (await inboxOf(b, "bob")).filter((m) => m.body === "hello across");
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toBe("operator@alpha");

    // --wait reply on alpha while bob answers on beta.
    const waiting = a.run(["send", "bob@beta", "question?", "--wait", "reply", "--timeout", "20s", "--json"]);
    let q: MessageView | undefined;
    await waitFor(async () => (q = (await inboxOf(b, "bob")).find((m) => m.body === "question?")) !== undefined);
    await b.ok(["reply", q!.id, "the answer"], as(bobToken));
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("the answer");
    // The answer is in the question's thread on alpha, as it is on beta.
    const history = JSON.parse(await a.ok(["inbox", "operator", "--json", "--limit", "1000"])) as MessageView[];
    const answer = history.find((m) => m.body === "the answer")!;
    expect(answer.from).toBe("bob@beta");
    const thread = JSON.parse(await a.ok(["thread", answer.id, "--json"])) as { body: string }[];
    expect(thread.map((m) => m.body)).toEqual(["question?", "the answer"]);
    void sent;
  }, 30_000);

  test("send --wait read: the remote read travels back as a receipt", async () => {
    const waiting = a.run(["send", "bob@beta", "read me", "--wait", "read", "--timeout", "20s"]);
    let m: MessageView | undefined;
    await waitFor(async () => (m = (await inboxOf(b, "bob")).find((x) => x.body === "read me")) !== undefined);
    await b.ok(["read", m!.id], as(bobToken));
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);

  test("groups may have remote members; name@<own host> is a local name", async () => {
    await register(a, "carol");
    await a.ok(["group", "add", "crew", "bob@beta", "carol"]);
    expectFailure(await a.run(["group", "add", "crew", "nobody@beta"]), 3, /has no session or identity "nobody"/);
    await a.ok(["send", "@crew", "crew call"]);
    await a.ok(["send", "carol@alpha", "self-host alias"]);
    await waitFor(async () => (await inboxOf(b, "bob")).some((m) => m.body === "crew call"));
    const carol = (await inboxOf(a, "carol")).map((m) => m.body);
    expect(carol).toEqual(expect.arrayContaining(["crew call", "self-host alias"]));
    expect((await inboxOf(b, "bob")).filter((m) => m.body === "crew call")).toHaveLength(1);
  }, 30_000);

  test("peek, type and kill on name@host; refused unless the target allows the host, and only for its operator", async () => {
    await b.ok(["new", "w3", "--", "cat"]);
    await a.ok(["type", "w3@beta", "remote hello", "--enter"]);
    await waitFor(async () => (await a.ok(["peek", "w3@beta"])).includes("remote hello"));
    // alpha does not list beta in remote_control.
    await a.ok(["new", "wa", "--", "cat"]);
    expectFailure(await b.run(["peek", "wa@alpha"]), 6, /host beta may not control sessions on alpha/);
    const agent = await register(a, "dave");
    expectFailure(await a.run(["peek", "w3@beta"], as(agent)), 6);
    expectFailure(await a.run(["peek", "nope@beta"]), 3, /beta: /);
    const k = await a.run(["kill", "w3@beta"]);
    expect(k.code, k.stderr).toBe(0);
    const audit = JSON.parse(await b.ok(["audit", "--json", "--limit", "500"])) as { actor: string; action: string; outcome: string }[];
    expect(audit.some((r) => r.actor === "operator@alpha" && r.action === "session.kill" && r.outcome === "ok")).toBe(true);
    expect(audit.some((r) => r.actor === "operator@alpha" && r.action === "remote.type" && r.outcome === "ok")).toBe(true);
  }, 30_000);

  test("doctor shows the federation: connected, outbox, hosts known, this host's key pinned", async () => {
    const d = JSON.parse(await a.ok(["doctor", "--json"])) as { checks: { name: string; status: string; detail: string }[] };
    const fed = d.checks.find((c) => c.name === "federation")!;
    expect(fed.status).toBe("ok");
    expect(fed.detail).toMatch(/^host alpha, connected to nats:\/\/127\.0\.0\.1:\d+, outbox 0, 2 hosts known, key [0-9a-f]{16} \(0600, pinned in the directory\)/);
  });

  test("MCP list_agents lists the other host's agents as name@host with their presence", async () => {
    const mcp = await startMcp(a);
    try {
      const r = await mcp.ok<{ agents: { name: string }[]; remote: { name: string; host: string; kind: string; online: boolean }[] }>("list_agents");
      expect(r.agents.some((x) => x.name === "operator")).toBe(true);
      expect(r.remote).toContainEqual(expect.objectContaining({ name: "bob@beta", host: "beta", kind: "agent", online: false }));
      expect(r.remote.some((x) => x.host === "alpha")).toBe(false);
      // bob comes online on beta (a live follower): beta republishes, alpha's list says so.
      const f = new Follower(b, bobToken);
      try {
        await waitFor(async () => (await mcp.ok<{ remote: { name: string; online: boolean }[] }>("list_agents")).remote.some((x) => x.name === "bob@beta" && x.online), 15_000);
      } finally {
        await f.stop();
      }
    } finally {
      await mcp.close();
    }
  }, 30_000);

  test("a recipient no host has: exit 3, nothing stored", async () => {
    const before = (JSON.parse(await a.ok(["status", "--json"])) as { messages: number }).messages;
    expectFailure(await a.run(["send", "nobody@beta", "x"]), 3, /host beta has no session or identity "nobody"/);
    expectFailure(await a.run(["send", "bob@gamma", "x"]), 3, /no host "gamma"/);
    expect((JSON.parse(await a.ok(["status", "--json"])) as { messages: number }).messages).toBe(before);
    expect((await fedStatus(a)).outbox).toBe(0);
  });
});
