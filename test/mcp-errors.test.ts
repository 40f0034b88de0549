/**
 * `maestro mcp` and bad input: each refusal is a tool result with isError and the CLI's own line,
 * nothing stored; a lost daemon fails the call in flight and the server carries on; garbage on
 * stdin neither crashes nor hangs the process.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, TestHome, alive, waitFor } from "./helpers.ts";
import { startMcp, type Mcp } from "./mcp-helpers.ts";
import { FAST_CONFIG, as, countMessages, expectFailure, identities, send } from "./msg-helpers.ts";

let h: TestHome;
let ids: Awaited<ReturnType<typeof identities<"a" | "b" | "c">>>;
let a: Mcp;

beforeAll(async () => {
  h = new TestHome({ config: FAST_CONFIG });
  await h.start();
  ids = await identities(h, "a", "b", "c");
  a = await startMcp(h, { MAESTRO_TOKEN: ids.a.token });
});

afterAll(async () => {
  await a?.close();
  await h.cleanup();
});

describe("maestro mcp: bad input", () => {
  test("an unknown tool", async () => {
    expect(await a.fails("no_such_tool")).toMatch(/^maestro: unknown tool "no_such_tool"; the tools are whoami, list_agents, /);
  });

  test("missing and wrongly typed arguments are refused by the schema, in the daemon's words; nothing is stored", async () => {
    const before = await countMessages(h);
    expect(await a.fails("send_message", { body: "x" })).toMatch(/^maestro: send_message: argument "to" must be a name, @group or \*, or a list of them$/);
    expect(await a.fails("send_message", { to: ids.b.name })).toMatch(/^maestro: send_message: argument "body" must be a string$/);
    expect(await a.fails("send_message", { to: ids.b.name, body: 5 })).toMatch(/argument "body" must be a string/);
    expect(await a.fails("send_message", { to: ids.b.name, body: "x", priority: "asap" })).toMatch(/argument "priority" must be one of urgent, high, normal, low, not "asap"/);
    expect(await a.fails("send_message", { to: ids.b.name, body: "x", ack: "yes" })).toMatch(/argument "ack" must be true or false/);
    expect(await a.fails("send_message", { to: ids.b.name, body: "x", ttl_s: -1 })).toMatch(/argument "ttl_s" must be a number of seconds over 0/);
    expect(await a.fails("send_message", { to: ids.b.name, body: "x", colour: "red" })).toMatch(/unknown argument "colour"/);
    expect(await a.fails("read_messages", { ids: "abc" })).toMatch(/argument "ids" must be a list of strings/);
    expect(await a.fails("read_messages", { ids: [] })).toMatch(/argument "ids" must list at least one id/);
    expect(await a.fails("check_inbox", { limit: 0 })).toMatch(/argument "limit" must be an integer from 1 to 10000/);
    expect(await countMessages(h)).toBe(before);
  });

  test("an unknown recipient: the CLI's exit-3 line; nothing stored", async () => {
    const before = await countMessages(h);
    const cli = expectFailure(await h.run(["send", "nobody-here", "hi"], as(ids.a.token)), 3);
    expect(await a.fails("send_message", { to: "nobody-here", body: "hi" })).toBe(cli);
    expect(await countMessages(h)).toBe(before);
  });

  test("a body over the limit: the CLI's exit-6 line; nothing stored", async () => {
    const before = await countMessages(h);
    const body = "x".repeat(2000);
    const cli = expectFailure(await h.run(["send", ids.b.name, body], as(ids.a.token)), 6);
    expect(await a.fails("send_message", { to: ids.b.name, body })).toBe(cli);
    expect(await countMessages(h)).toBe(before);
  });

  test("an id the caller may not see is not found, as in the CLI", async () => {
    const id = await send(h, ids.b.token, [ids.c.name, "between b and c"]);
    const cli = expectFailure(await h.run(["read", id], as(ids.a.token)), 3);
    expect(await a.fails("read_messages", { ids: [id] })).toBe(cli);
    expect(await a.fails("get_thread", { id })).toMatch(/^maestro: no message/);
    expect(await a.fails("reply", { id, body: "x" })).toMatch(/^maestro: no message/);
    expect(await a.fails("wait_for_reply", { id, timeout_s: 1 })).toMatch(/^maestro: no message/);
    expect(await a.fails("check_inbox", { thread: id })).toMatch(/^maestro: no message/);
  });

  test("an operator-only tool called by an agent is refused, not run", async () => {
    expect(await a.fails("new_session", { name: "sneaky", command: ["sh"] })).toBe(`maestro: only the operator may create sessions; ${ids.a.name} is an agent`);
    expect(await a.fails("peek_session", { name: "x" })).toMatch(/only the operator may peek into sessions/);
    expect(JSON.parse(await h.ok(["ls", "--json"]))).toEqual([]);
  });

  test("a wait with a negative or huge timeout, or none, is refused by the schema", async () => {
    expect(await a.fails("wait_for_message", { timeout_s: -1 })).toMatch(/argument "timeout_s" must be a number of seconds from 0 to 86400/);
    expect(await a.fails("wait_for_message", { timeout_s: 1e12 })).toMatch(/argument "timeout_s" must be a number of seconds from 0 to 86400/);
    expect(await a.fails("wait_for_message", {})).toMatch(/argument "timeout_s"/);
    expect(await a.fails("wait_for_reply", { id: "x", timeout_s: -5 })).toMatch(/argument "timeout_s"/);
    expect(await a.fails("wait_for_reply", { id: "x", timeout_s: "soon" })).toMatch(/argument "timeout_s"/);
  });
});

describe("maestro mcp: the daemon goes away", () => {
  test("the call in flight fails with a clear line; the server reconnects and pushes again", async () => {
    const h2 = new TestHome();
    try {
      const pid = await h2.start();
      const [x, y] = Object.values(await identities(h2, "x", "y")) as { name: string; token: string }[];
      const mx = await startMcp(h2, { MAESTRO_TOKEN: x!.token });
      try {
        await send(h2, y!.token, [x!.name, "before"]);
        expect((await mx.channel.next()).content).toContain("before");
        const { id } = await mx.ok<{ id: string }>("send_message", { to: y!.name, body: "waiting" });
        const waiting = mx.call("wait_for_reply", { id, timeout_s: 60 });
        await waitFor(async () => /maestro_pending_waits 1/.test(await h2.ok(["metrics"])));
        process.kill(pid, "SIGKILL");
        const r = await waiting;
        expect(r.isError).toBe(true);
        expect((r.content as { text: string }[])[0]!.text).toMatch(/^maestro: the daemon went away during this call \(.*\); its outcome is unknown — the next call reconnects$/);
        await waitFor(() => !alive(pid));
        // The next call starts a daemon (as any verb would) and works.
        expect((await mx.ok<{ name: string }>("whoami")).name).toBe(x!.name);
        // The push follows the new daemon: a message sent now arrives as an event.
        await send(h2, y!.token, [x!.name, "after"]);
        const ev = await mx.channel.next();
        expect(ev.content).toContain("after");
        expect(mx.channel.pending).toBe(0);
      } finally {
        await mx.close();
      }
    } finally {
      await h2.cleanup();
    }
  });
});

describe("maestro mcp: garbage on stdin", () => {
  test("bad lines are reported on stderr and skipped; the server answers the next request and exits when stdin ends", async () => {
    const proc = Bun.spawn([BIN, "mcp"], { env: { ...h.env, MAESTRO_TOKEN: ids.a.token }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
    proc.stdin.write("garbage\n{not json\n[1,2,3]\n\x00\x01\x02\n" + '{"jsonrpc":"2.0","id":9,"method":"no/such/method"}\n' + JSON.stringify(init) + "\n");
    await proc.stdin.flush();
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes('"id":1')) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toContain('"id":9'); // method not found, answered
    expect(out).toContain('"serverInfo"');
    await proc.stdin.end();
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toMatch(/maestro mcp: .*JSON/);
  });

  test("a line past the SDK's buffer limit closes the server instead of growing it", async () => {
    const proc = Bun.spawn([BIN, "mcp"], { env: { ...h.env, MAESTRO_TOKEN: ids.a.token }, stdin: "pipe", stdout: "ignore", stderr: "pipe" });
    const chunk = "x".repeat(1024 * 1024);
    try {
      for (let i = 0; i < 12; i++) {
        proc.stdin.write(chunk);
        await proc.stdin.flush();
      }
    } catch (e) {
      expect((e as { code?: string }).code).toBe("EPIPE"); // it closed before taking it all: the point
    }
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toMatch(/maestro mcp: .*buffer/i);
  });
});
