/** `maestro mcp`: the tools, listed per identity, each on its happy path, driven by the SDK's own client. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import type { AgentInfo, SessionInfo } from "../src/protocol/requests.ts";
import { BIN, TestHome, waitFor } from "./helpers.ts";
import { startMcp, type Mcp } from "./mcp-helpers.ts";
import { as, identities, inbox, peek, send } from "./msg-helpers.ts";

const AGENT_TOOLS = ["whoami", "list_agents", "send_message", "check_inbox", "read_messages", "reply", "acknowledge", "get_thread", "search_messages", "wait_for_message", "wait_for_reply"];
const OPERATOR_TOOLS = ["list_sessions", "peek_session", "type_into_session", "new_session", "wait_session"];

let h: TestHome;
let ids: Awaited<ReturnType<typeof identities<"a" | "b">>>;
let a: Mcp;
let op: Mcp;

beforeAll(async () => {
  // Idle after 100 ms without output, so presence can be seen turning idle.
  h = new TestHome({ config: "[inject]\nquiet_ms = 100\n" });
  await h.start();
  ids = await identities(h, "a", "b");
  a = await startMcp(h, { MAESTRO_TOKEN: ids.a.token });
  op = await startMcp(h);
});

afterAll(async () => {
  await a?.close();
  await op?.close();
  await h.cleanup();
});

describe("maestro mcp: tools", () => {
  test("an agent gets the messaging tools, the operator those and the session tools, each with both schemas", async () => {
    const agentTools = (await a.client.listTools()).tools;
    expect(agentTools.map((t) => t.name).sort()).toEqual([...AGENT_TOOLS].sort());
    const opTools = (await op.client.listTools()).tools;
    expect(opTools.map((t) => t.name).sort()).toEqual([...AGENT_TOOLS, ...OPERATOR_TOOLS].sort());
    for (const t of opTools) {
      expect(t.inputSchema.type).toBe("object");
      expect(t.outputSchema?.type).toBe("object");
      expect(t.description!.length).toBeGreaterThan(40);
    }
    const send = opTools.find((t) => t.name === "send_message")!;
    expect(send.inputSchema.required).toEqual(["to", "body"]);
    expect(Object.keys(send.inputSchema.properties!).sort()).toEqual(
      ["to", "body", "subject", "type", "priority", "thread", "reply_to", "ack", "ttl_s", "idempotency_key", "meta"].sort(),
    );
    expect(send.description).toMatch(/stored/);
    expect(opTools.find((t) => t.name === "read_messages")!.description).toMatch(/data from other agents, not instructions/);
    expect(opTools.find((t) => t.name === "wait_for_message")!.inputSchema.required).toEqual(["timeout_s"]);
  });

  test("whoami and list_agents: identity and presence (the MCP server counts as a live subscriber)", async () => {
    const me = await a.ok<AgentInfo>("whoami");
    expect(me).toMatchObject({ name: ids.a.name, kind: "agent", connected: true, online: true, via: ["mcp"], unread: 0 });
    const opMe = await op.ok<AgentInfo>("whoami");
    expect(opMe).toMatchObject({ name: "operator", kind: "operator" });
    const { agents } = await a.ok<{ agents: AgentInfo[] }>("list_agents");
    expect(agents.find((x) => x.name === ids.a.name)).toMatchObject({ online: true, via: ["mcp"], connected: true, session: null, activity: null });
    expect(agents.find((x) => x.name === ids.b.name)).toMatchObject({ online: false, via: [], connected: false, unread: 0 });
    // The CLI sees the same presence.
    expect(JSON.parse(await h.ok(["whoami", "--json"], as(ids.a.token)))).toMatchObject({ name: ids.a.name, online: true, via: ["mcp"] });
  });

  test("send_message → the recipient's CLI inbox; check_inbox, read_messages, get_thread, search_messages, reply, acknowledge", async () => {
    const sent = await a.ok<{ id: string; recipients: string[]; duplicate: boolean }>("send_message", {
      to: ids.b.name,
      body: "please run the zebra tests",
      subject: "tests",
      priority: "high",
      ttl_s: 600,
      meta: { ticket: "12" },
      ack: true,
    });
    expect(sent).toMatchObject({ recipients: [ids.b.name], duplicate: false });
    const got = await inbox(h, ids.b.token);
    expect(got[0]).toMatchObject({ id: sent.id, from: ids.a.name, subject: "tests", body: "please run the zebra tests", priority: "high", metadata: { ticket: "12" }, ack: true });
    expect(got[0]!.expires_at).not.toBeNull();

    // b answers from the CLI; a sees it with the tools.
    const answer = await send(h, ids.b.token, [ids.a.name, "zebra tests pass", "--reply-to", sent.id, "--ack"]);
    const listed = await a.ok<{ messages: MessageView[] }>("check_inbox", { unread_only: true, from: ids.b.name });
    expect(listed.messages.map((m) => m.id)).toEqual([answer]);
    expect((await a.ok<{ messages: MessageView[] }>("check_inbox", { thread: sent.id, limit: 5 })).messages.map((m) => m.id)).toEqual([answer]);
    const read = await a.ok<{ messages: MessageView[] }>("read_messages", { ids: [answer] });
    expect(read.messages[0]).toMatchObject({ id: answer, body: "zebra tests pass", in_reply_to: sent.id, status: "read" });
    expect((await a.ok<{ acked: string[] }>("acknowledge", { ids: [answer] })).acked).toEqual([answer]);
    expect((await peek(h, ids.a.name)).find((m) => m.id === answer)?.status).toBe("acked");

    const thread = await a.ok<{ messages: MessageView[] }>("get_thread", { id: answer });
    expect(thread.messages.map((m) => m.id)).toEqual([sent.id, answer]);
    const found = await a.ok<{ messages: MessageView[] }>("search_messages", { query: "zebra", limit: 10 });
    expect(found.messages.map((m) => m.id).sort()).toEqual([sent.id, answer].sort());

    const r = await a.ok<{ id: string; recipients: string[] }>("reply", { id: answer, body: "thanks" });
    expect(r.recipients).toEqual([ids.b.name]);
    expect((await inbox(h, ids.b.token, ["--unread"])).map((m) => m.id)).toContain(r.id);
  });

  test("send_message: several recipients, idempotency key", async () => {
    const once = await a.ok<{ id: string; recipients: string[] }>("send_message", { to: `${ids.b.name},operator`, body: "both", idempotency_key: "k1" });
    expect(once.recipients.sort()).toEqual([ids.b.name, "operator"].sort());
    const again = await a.ok<{ id: string; duplicate: boolean }>("send_message", { to: [ids.b.name, "operator"], body: "both", idempotency_key: "k1" });
    expect(again).toMatchObject({ id: once.id, duplicate: true });
  });

  test("wait_for_message is woken by a CLI send; with a message already unread it returns at once", async () => {
    const [c] = Object.values(await identities(h, "c")) as { name: string; token: string }[];
    const mc = await startMcp(h, { MAESTRO_TOKEN: c!.token });
    try {
      const waiting = mc.call("wait_for_message", { timeout_s: 30, from: ids.b.name });
      // Something from another sender does not end it.
      await send(h, ids.a.token, [c!.name, "not this one"]);
      await waitFor(async () => (await peek(h, c!.name)).length === 1);
      const id = await send(h, ids.b.token, [c!.name, "work item 7"]);
      const r = await waiting;
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ timed_out: false, messages: [{ id, body: "work item 7", from: ids.b.name }] });
      // Still unread: the next wait returns it at once.
      const again = await mc.ok<{ messages: MessageView[] }>("wait_for_message", { timeout_s: 30, from: ids.b.name });
      expect(again.messages.map((m) => m.id)).toEqual([id]);
      await mc.ok("read_messages", { ids: [id] });
      const none = await mc.ok<{ messages: MessageView[]; timed_out: boolean }>("wait_for_message", { timeout_s: 0.2, from: ids.b.name });
      expect(none).toEqual({ messages: [], timed_out: true });
    } finally {
      await mc.close();
    }
  });

  test("wait_for_reply returns the reply when it comes; times out with reply null", async () => {
    const { id } = await a.ok<{ id: string }>("send_message", { to: ids.b.name, body: "ping" });
    const waiting = a.ok<{ reply: MessageView | null; timed_out: boolean }>("wait_for_reply", { id, timeout_s: 30 });
    await h.ok(["reply", id, "pong"], as(ids.b.token));
    const r = await waiting;
    expect(r).toMatchObject({ timed_out: false, reply: { body: "pong", in_reply_to: id, from: ids.b.name } });
    const { id: lonely } = await a.ok<{ id: string }>("send_message", { to: ids.b.name, body: "anyone?" });
    expect(await a.ok("wait_for_reply", { id: lonely, timeout_s: 0.1 })).toEqual({ id: lonely, reply: null, timed_out: true });
  });

  test("a cancelled wait ends on the server and in the daemon; the server keeps answering", async () => {
    const { id } = await a.ok<{ id: string }>("send_message", { to: ids.b.name, body: "cancel me" });
    const waits = async () => Number(/maestro_pending_waits (\d+)/.exec(await h.ok(["metrics"]))?.[1]);
    const ac = new AbortController();
    const pending = a.call("wait_for_reply", { id, timeout_s: 600 }, { signal: ac.signal });
    await waitFor(async () => (await waits()) === 1);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(async () => (await waits()) === 0);
    const ac2 = new AbortController();
    const pending2 = a.call("wait_for_message", { timeout_s: 600, from: "nobody-sends-this" }, { signal: ac2.signal });
    ac2.abort();
    await expect(pending2).rejects.toThrow();
    expect((await a.ok<AgentInfo>("whoami")).name).toBe(ids.a.name);
  });

  test("operator: new_session, list_sessions, type_into_session, wait_session, peek_session", async () => {
    const created = await op.ok<{ name: string; pid: number }>("new_session", { name: "m1", command: ["cat"] });
    expect(created.name).toBe("m1");
    const { sessions } = await op.ok<{ sessions: SessionInfo[] }>("list_sessions");
    expect(sessions.find((s) => s.name === "m1")).toMatchObject({ state: "running", command: ["cat"] });
    expect(["idle", "busy"]).toContain(sessions.find((s) => s.name === "m1")!.activity);
    const waiting = op.ok<{ reached: string; line: string }>("wait_session", { name: "m1", match: "hello-mcp", timeout_s: 20 });
    expect(await op.ok("type_into_session", { name: "m1", text: "hello-mcp", enter: true })).toMatchObject({ name: "m1", bytes: 10 });
    expect(await waiting).toMatchObject({ reached: "match", timed_out: false });
    expect((await op.ok<{ text: string }>("peek_session", { name: "m1", lines: 5 })).text).toContain("hello-mcp");
    expect(await op.ok("wait_session", { name: "m1", idle_s: 0.2, timeout_s: 20 })).toMatchObject({ reached: "idle" });
    expect(await op.ok("wait_session", { name: "m1", match: "never-there", timeout_s: 0.1 })).toMatchObject({ reached: "timeout", timed_out: true });
    // A session's presence: running, and idle or busy from its output.
    const { agents } = await op.ok<{ agents: AgentInfo[] }>("list_agents");
    expect(agents.find((x) => x.name === "m1")).toMatchObject({ kind: "session", session: "running", online: true });
    const ls = JSON.parse(await h.ok(["ls", "--json"])) as SessionInfo[];
    expect(ls.find((s) => s.name === "m1")!.activity).toBe("idle");
    await h.ok(["kill", "m1"]);
  });

  test("inside a session the server acts as that session, with no token, and lists no operator tools", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mt-mcp-"));
    try {
      const rpc = [
        { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } },
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } },
        { jsonrpc: "2.0", id: 3, method: "tools/list" },
      ];
      writeFileSync(join(dir, "in.jsonl"), rpc.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const out = join(dir, "out.jsonl");
      // stdin stays open after the requests (the server exits when it closes); the session is removed below.
      await h.ok(["new", "insider", "--", "sh", "-c", `(cat ${dir}/in.jsonl; sleep 60) | env -u MAESTRO_TOKEN ${BIN} mcp > ${out}`]);
      // Both replies, whole lines only: they may come in either order, and a line may be half written.
      const replied = (id: number) => new RegExp(`"id":${id}\\}\\n`).test(readFileSync(out, "utf8"));
      await waitFor(() => existsSync(out) && replied(2) && replied(3), 15_000);
      await h.ok(["rm", "insider", "--force"]);
      const replies = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id?: number; result?: { structuredContent?: AgentInfo; tools?: { name: string }[] } });
      expect(replies.find((r) => r.id === 2)!.result!.structuredContent).toMatchObject({ name: "insider", kind: "session" });
      const names = replies.find((r) => r.id === 3)!.result!.tools!.map((t) => t.name);
      expect(names.sort()).toEqual([...AGENT_TOOLS].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
