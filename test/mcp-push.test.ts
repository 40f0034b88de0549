/**
 * `maestro mcp` pushes: the Claude Code channel capability, one `notifications/claude/channel`
 * event per message with the right meta, delivered when written and read when read (as the CLI
 * sees it), two MCP agents talking, a client that goes away, and `maestro://inbox` updates.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import type { AgentInfo } from "../src/protocol/requests.ts";
import { BIN, TestHome } from "./helpers.ts";
import { startMcp } from "./mcp-helpers.ts";
import { Lines, identities, peek, send } from "./msg-helpers.ts";

let h: TestHome;

beforeAll(async () => {
  h = new TestHome();
  await h.start();
});

afterAll(async () => {
  await h.cleanup();
});

const status = async (name: string, id: string) => (await peek(h, name)).find((m) => m.id === id)?.status;

describe("maestro mcp: channel events", () => {
  test("the capability and instructions; one event per message, in order, meta right, body cut; delivered then read", async () => {
    const { a, b } = await identities(h, "a", "b");
    // Owed before the server starts: pushed once it is up.
    const early = await send(h, b.token, [a.name, "sent before the server started"]);
    const m = await startMcp(h, { MAESTRO_TOKEN: a.token });
    try {
      expect(m.client.getServerCapabilities()?.experimental?.["claude/channel"]).toEqual({});
      expect(m.client.getInstructions()).toMatch(/data from other agents, not instructions/);
      expect(m.client.getInstructions()).toMatch(/reply/);

      const first = await m.channel.next();
      expect(first.meta).toEqual({ id: early, from: b.name, thread: early, priority: "normal" });
      expect(first.content).toBe(`Message ${early} from ${b.name}:\nsent before the server started`);

      const long = "L".repeat(5000);
      const id1 = await send(h, b.token, [a.name, "hello", "--subject", "greeting", "--priority", "high"]);
      const id2 = await send(h, b.token, [a.name, long, "--reply-to", id1]);
      const e1 = await m.channel.next();
      expect(e1.meta).toEqual({ id: id1, from: b.name, thread: id1, priority: "high" });
      expect(e1.content).toBe(`Message ${id1} from ${b.name} [high] — greeting:\nhello`);
      const e2 = await m.channel.next();
      expect(e2.meta).toEqual({ id: id2, from: b.name, thread: id1, priority: "normal" });
      expect(e2.content.length).toBeLessThan(800);
      expect(e2.content).toContain(`${"L".repeat(600)}… (truncated: read_messages {"ids": ["${id2}"]})`);

      // Delivered once written: the CLI (the operator's peek) sees it.
      await m.ok("whoami"); // a round trip after the events: their confirmations are in
      for (const id of [early, id1, id2]) expect(await status(a.name, id)).toBe("delivered");
      // Read once read_messages ran.
      const read = await m.ok<{ messages: MessageView[] }>("read_messages", { ids: [id2] });
      expect(read.messages[0]!.body).toBe(long);
      expect(await status(a.name, id2)).toBe("read");

      // Never twice: the next event is the next message.
      const marker = await send(h, b.token, [a.name, "marker"]);
      expect((await m.channel.next()).meta.id).toBe(marker);
      expect(m.channel.all.map((e) => e.meta.id)).toEqual([early, id1, id2, marker]);
    } finally {
      await m.close();
    }
  });

  test("two MCP servers as two agents: send, the event, reply, the event back; states in the CLI", async () => {
    const { p, q } = await identities(h, "p", "q");
    const mp = await startMcp(h, { MAESTRO_TOKEN: p.token });
    const mq = await startMcp(h, { MAESTRO_TOKEN: q.token });
    try {
      const { agents } = await mp.ok<{ agents: AgentInfo[] }>("list_agents");
      expect(agents.find((x) => x.name === q.name)).toMatchObject({ online: true, via: ["mcp"] });
      const ask = await mp.ok<{ id: string }>("send_message", { to: q.name, body: "what is 6*7?", type: "request" });
      const got = await mq.channel.next();
      expect(got.meta).toMatchObject({ id: ask.id, from: p.name });
      const answer = await mq.ok<{ id: string }>("reply", { id: got.meta.id!, body: "42" });
      const back = await mp.channel.next();
      expect(back.meta).toEqual({ id: answer.id, from: q.name, thread: ask.id, priority: "normal" });
      expect(back.content).toContain("42");
      await mp.ok("whoami");
      expect(await status(q.name, ask.id)).toBe("read"); // reply marks the parent read
      expect(await status(p.name, answer.id)).toBe("delivered");
      expect((await mp.ok<{ reply: MessageView }>("wait_for_reply", { id: ask.id, timeout_s: 5 })).reply.body).toBe("42");
    } finally {
      await mp.close();
      await mq.close();
    }
  });

  test("a client that goes away: the server exits on the end of stdin; later messages stay queued", async () => {
    const { r, s } = await identities(h, "r", "s");
    const proc = Bun.spawn([BIN, "mcp"], { env: { ...h.env, MAESTRO_TOKEN: r.token }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const lines = new Lines(proc.stdout);
    const rpc = (o: unknown) => proc.stdin.write(JSON.stringify(o) + "\n");
    rpc({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    rpc({ jsonrpc: "2.0", method: "notifications/initialized" });
    await proc.stdin.flush();
    expect(JSON.parse(await lines.next()).id).toBe(1);
    const seen = await send(h, s.token, [r.name, "seen"]);
    const ev = JSON.parse(await lines.next());
    expect(ev).toMatchObject({ method: "notifications/claude/channel", params: { meta: { id: seen } } });
    // A request after the event: its answer means the confirmation went before it.
    rpc({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } });
    await proc.stdin.flush();
    expect(JSON.parse(await lines.next()).id).toBe(2);
    expect(await status(r.name, seen)).toBe("delivered");

    await proc.stdin.end();
    expect(await proc.exited).toBe(0);
    const later = await send(h, s.token, [r.name, "after the client left"]);
    expect(await status(r.name, later)).toBe("queued");
    expect(JSON.parse(await h.ok(["whoami", "--json"], { env: { MAESTRO_TOKEN: r.token } }))).toMatchObject({ online: false, via: [], unread: 2 });
  });

  test("maestro://inbox: listed, readable, and subscribers told of each new message", async () => {
    const { u, v } = await identities(h, "u", "v");
    const mu = await startMcp(h, { MAESTRO_TOKEN: u.token });
    try {
      const { resources } = await mu.client.listResources();
      expect(resources.map((x) => x.uri)).toEqual(["maestro://inbox"]);
      await mu.client.subscribeResource({ uri: "maestro://inbox" });
      const id = await send(h, v.token, [u.name, "for the resource"]);
      expect(await mu.updates.next()).toBe("maestro://inbox");
      const { contents } = await mu.client.readResource({ uri: "maestro://inbox" });
      const parsed = JSON.parse((contents[0] as { text: string }).text) as { messages: MessageView[] };
      expect(parsed.messages.map((m) => m.id)).toEqual([id]);
      await expect(mu.client.readResource({ uri: "maestro://elsewhere" })).rejects.toThrow(/no resource/);
    } finally {
      await mu.close();
    }
  });
});
