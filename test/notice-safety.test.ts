/**
 * Notices are for agents, never shells (issue 9 §1): while a shell, editor or pager is the PTY's
 * foreground program they wait, `ls` says why, and they flow once an agent is in front. The text
 * itself carries nothing a shell acts on, should one ever get it.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import type { SessionInfo } from "../src/protocol/requests.ts";
import { TestHome, waitFor } from "./helpers.ts";
import { register, send } from "./msg-helpers.ts";
import { noticeIds, readEntries } from "./fixtures/agent-log.ts";

const AGENT = join(import.meta.dirname, "fixtures", "fake-agent.ts");
const TIMINGS = "[inject]\nquiet_ms = 150\ntyping_ms = 300\nconfirm_ms = 150\nenter_retries = 2\nretry_ms = 300\n";
const ATTACK = "hello $(touch ./pwned)";
/** The fake agent's program name as the kernel sees it. */
const BUN = basename(process.execPath);

const homes: TestHome[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
});

async function home(extra = ""): Promise<TestHome> {
  const h = new TestHome({ config: TIMINGS + extra });
  homes.push(h);
  await h.start();
  return h;
}

async function session(h: TestHome, name: string): Promise<SessionInfo> {
  return (JSON.parse(await h.ok(["ls", "--json"])) as SessionInfo[]).find((s) => s.name === name)!;
}

async function statusOf(h: TestHome, name: string, id: string): Promise<string | undefined> {
  return (JSON.parse(await h.ok(["inbox", name, "--json"])) as MessageView[]).find((m) => m.id === id)?.status;
}

describe("notices and shells", () => {
  test("the issue's attack: held while bash is in front (ls says so), nothing runs; an agent started in that shell gets it once, sanitized", async () => {
    const h = await home();
    const made = await h.run(["new", "agent2", "--cwd", h.home, "--notify", "inject", "--", "bash", "--norc"]);
    expect(made.code).toBe(0);
    expect(made.stderr.trim().split("\n")).toHaveLength(1);
    expect(made.stderr).toMatch(/^maestro: warning: agent2 runs bash, a shell: notices are never typed into a shell/);
    await h.ok(["wait", "agent2", "--match", "\\$ $|# $", "--timeout", "10s"]);

    const w1 = await register(h, "w1");
    const id = await send(h, w1, ["agent2", "hi", "--subject", ATTACK]);
    await waitFor(async () => {
      const s = await session(h, "agent2");
      return s.pending_notices === 1 && s.notices_held_by === "bash";
    });
    expect((await h.ok(["ls"])).split("\n")[1]).toContain("1 held: bash in front");
    expect(await statusOf(h, "agent2", id)).toBe("queued");
    expect(await h.ok(["peek", "agent2"])).not.toContain(id);
    expect(existsSync(join(h.home, "pwned"))).toBe(false);

    // The user starts an agent from that shell: it takes the terminal, and the notice follows
    // without another message.
    const log = join(h.home, "agent.log");
    const ready = join(h.home, "agent.ready");
    await h.ok(["type", "agent2", `${process.execPath} ${AGENT} --log ${log} --ready ${ready} --idle 0`, "--enter"]);
    // The agent's own start-up (a Bun process, slow on a loaded machine) is awaited on its own
    // marker; the notice then has the usual time to follow.
    await waitFor(() => existsSync(ready), 30_000);
    await waitFor(() => readEntries(log).some((e) => noticeIds(e.line, "agent2") !== undefined));
    const [first] = readEntries(log);
    expect(noticeIds(first!.line, "agent2")).toEqual([id]);
    expect(first!.line).toBe(`maestro: 1 new message for agent2: ${id} from w1: hello touch ./pwned -- read: maestro read ${id}`);
    await waitFor(async () => (await statusOf(h, "agent2", id)) === "delivered");
    expect((await session(h, "agent2")).notices_held_by).toBeNull();

    // Exactly once: a later message's notice comes next, and nothing came between.
    const next = await send(h, w1, ["agent2", "second"]);
    await waitFor(() => readEntries(log).length >= 2);
    expect(readEntries(log).map((e) => noticeIds(e.line, "agent2"))).toEqual([[id], [next]]);
    expect(existsSync(join(h.home, "pwned"))).toBe(false);
  });

  test("inject.hold_for replaces the list: a listed agent holds notices; bash, no longer listed, gets them and runs nothing the sender wrote", async () => {
    const h = await home(`hold_for = ["${BUN}"]\n`);
    const log = join(h.home, "a.log");
    const ready = join(h.home, "a.ready");
    await h.ok(["new", "agent", "--notify", "inject", "--", process.execPath, AGENT, "--log", log, "--ready", ready, "--idle", "0"]);
    await h.ok(["new", "sh1", "--cwd", h.home, "--notify", "inject", "--", "bash", "--norc", "--noprofile"]);
    await h.ok(["wait", "agent", "--match", "fake-agent ready", "--timeout", "10s"]);
    await h.ok(["wait", "sh1", "--match", "\\$ $|# $", "--timeout", "10s"]);

    const boss = await register(h, "boss");
    const held = await send(h, boss, ["agent", "x", "--subject", "for the agent"]);
    await waitFor(async () => (await session(h, "agent")).notices_held_by === BUN);
    expect((await h.ok(["ls"])).split("\n").find((l) => l.startsWith("agent "))).toContain(`1 held: ${BUN} in front`);

    const evil = "a;touch p1`touch p2`|cat&cat>p5 'q' \"d\" {b,c}#!~*?\\\x1b[31m\x07$(touch p6)";
    const id = await send(h, boss, ["sh1", "x", "--subject", evil]);
    await waitFor(async () => (await statusOf(h, "sh1", id)) === "delivered");
    await h.ok(["type", "sh1", "echo END-$((6*7))", "--enter"]);
    await h.ok(["wait", "sh1", "--match", "END-42", "--timeout", "10s"]);
    const screen = await h.ok(["peek", "sh1", "--lines", "100"]);
    // bash ran the notice as one command, `maestro:`, which does not exist.
    expect(screen).toMatch(/maestro:: command not found/);
    const flat = (s: string) => s.replace(/\s+/g, "");
    expect(flat(screen)).toContain(flat(`${id} from boss: a touch p1 touch p2 cat cat p5 q d b,c 31m touch p6 -- read: maestro read ${id}`));
    for (const f of ["p1", "p2", "p5", "p6"]) expect(existsSync(join(h.home, f)), f).toBe(false);
    expect(await statusOf(h, "agent", held)).toBe("queued");
    expect(readEntries(log)).toEqual([]);
  });

  test("new --notify inject warns once for a shell (the default $SHELL included) and not for other programs", async () => {
    const h = await home();
    const dflt = await h.run(["new", "s1", "--notify", "inject"], { env: { SHELL: "/bin/sh" } });
    expect(dflt.code).toBe(0);
    expect(dflt.stdout).toMatch(/^created s1/);
    expect(dflt.stderr).toMatch(/^maestro: warning: s1 runs sh, a shell: [^\n]*\n$/);
    const agent = await h.run(["new", "s2", "--notify", "inject", "--", "cat"]);
    expect(agent).toMatchObject({ code: 0, stderr: "" });
    const plain = await h.run(["new", "s3", "--", "bash"]);
    expect(plain).toMatchObject({ code: 0, stderr: "" });
  });

  test("a bad inject.hold_for stops the daemon at start-up, naming the key", async () => {
    for (const bad of ['hold_for = "bash"\n', "hold_for = [1]\n", 'hold_for = ["/bin/bash"]\n']) {
      const h = new TestHome({ config: `[inject]\n${bad}` });
      homes.push(h);
      const r = await h.run(["daemon", "start"]);
      expect(r.code, bad).toBe(5);
      expect(r.stderr, bad).toMatch(/"inject.hold_for" must be a list of program names/);
    }
  });
});

