/**
 * Remote terminals (SPEC §12): `attach name@host` and `wait name@host` through a real nats-server
 * between two daemons (alpha attaches, beta has the sessions). Output, keystrokes, resize,
 * detach, read-only, the session's exit, the refusals, and remote wait's match/exit/timeout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BIN, TestHome, waitFor } from "./helpers.ts";
import { as, expectFailure, register } from "./msg-helpers.ts";
import { twoHosts, waitForName, type TwoHosts } from "./fed-helpers.ts";
import { Tty } from "./tty.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;
const ttys: Tty[] = [];
const tty = (h: TestHome, args: string[], cols = 80, rows = 24) => {
  const t = new Tty(h, args, cols, rows);
  ttys.push(t);
  return t;
};

beforeAll(async () => {
  hosts = await twoHosts('remote_control = ["alpha"]\nlink_timeout_ms = 3000', "link_timeout_ms = 3000");
  ({ a, b } = hosts);
  await waitForName(b, "operator@alpha");
}, 60_000);
afterAll(async () => {
  await hosts?.stop();
});
afterEach(() => {
  for (const t of ttys.splice(0)) t.dispose();
});

type Audit = { actor: string; action: string; target: string; outcome: string; detail: string }[];
const audit = async (h: TestHome) => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as Audit;
const sizeOf = async (h: TestHome, name: string) => {
  const s = (JSON.parse(await h.ok(["ls", "--json"])) as { name: string; cols: number; rows: number; clients: number }[]).find((x) => x.name === name)!;
  return s;
};

describe("remote attach", () => {
  test("restores the screen, streams output, types, resizes, detaches; audited on both hosts", async () => {
    await b.ok(["new", "r1", "--", "sh", "-c", "echo remote-history-line; exec cat"]);
    await waitForName(a, "r1@beta");
    await b.ok(["wait", "r1", "--match", "remote-history-line", "--timeout", "10s"]);
    const t = tty(a, ["attach", "r1@beta"], 100, 30);
    await t.waitScreen(/remote-history-line/);
    t.type("typed across hosts\r");
    await t.waitScreen(/typed across hosts[\s\S]*typed across hosts/); // cat echoes it back
    expect(await b.ok(["peek", "r1"])).toContain("typed across hosts");
    // The remote client counts toward the session's size like any writable client.
    await waitFor(async () => (await sizeOf(b, "r1")).cols === 100);
    t.proc.terminal!.resize(90, 20);
    await waitFor(async () => {
      const s = await sizeOf(b, "r1");
      return s.cols === 90 && s.rows === 20;
    });
    expect((await sizeOf(b, "r1")).clients).toBe(1);
    t.type("\x1c");
    expect(await t.exit()).toBe(0);
    expect(t.allText()).toContain("[detached from r1@beta]");
    await waitFor(async () => (await sizeOf(b, "r1")).clients === 0);
    const onB = await audit(b);
    expect(onB.some((r) => r.actor === "operator@alpha" && r.action === "session.attach" && r.target === "r1" && r.detail.includes("from host alpha"))).toBe(true);
    expect(onB.some((r) => r.actor === "operator@alpha" && r.action === "session.detach" && r.target === "r1")).toBe(true);
    const onA = await audit(a);
    expect(onA.some((r) => r.action === "remote.attach" && r.target === "r1@beta" && r.outcome === "ok")).toBe(true);
    expect(onA.some((r) => r.action === "remote.detach" && r.target === "r1@beta")).toBe(true);
  }, 60_000);

  test("read-only: never types nor resizes; the session's exit ends it with its code", async () => {
    await b.ok(["new", "r2", "--", "sh", "-c", "echo ro-ready; read x; echo got-$x; exit 7"]);
    await waitForName(a, "r2@beta");
    const ro = tty(a, ["attach", "r2@beta", "--read-only"], 120, 40);
    await ro.waitScreen(/ro-ready/);
    ro.type("ignored\r");
    const rw = tty(a, ["attach", "r2@beta"], 70, 20);
    await rw.waitScreen(/ro-ready/);
    // The size follows the writable client only.
    await waitFor(async () => (await sizeOf(b, "r2")).cols === 70);
    rw.type("yes\r");
    await ro.waitScreen(/got-yes/);
    expect(ro.allText()).not.toContain("ignored");
    expect(await ro.exit()).toBe(0);
    expect(await rw.exit()).toBe(0);
    expect(ro.allText()).toContain("[r2@beta exited with code 7]");
  }, 60_000);

  test("bad input: unknown host, missing session (exit 3), an agent, no remote_control on the target (refused, audited there)", async () => {
    const ghost = tty(a, ["attach", "x@gamma"]);
    expect(await ghost.exit()).toBe(3);
    expect(ghost.allText()).toMatch(/no host "gamma"/);
    expectFailure(await a.run(["wait", "x@gamma", "--exit"]), 3, /no host "gamma"/);
    expectFailure(await a.run(["wait", "nope@beta", "--exit"]), 3, /beta: .*nope/);
    expectFailure(await a.run(["wait", "r1@beta", "--match", "("]), 2, /--match/);
    // The CLI needs a TTY for attach; the daemon's answer comes first for a missing session.
    const missing = tty(a, ["attach", "nope@beta"]);
    expect(await missing.exit()).toBe(3);
    expect(missing.allText()).toMatch(/beta: .*nope/);
    const agent = await register(a, "eve");
    expectFailure(await a.run(["wait", "r1@beta", "--exit"], as(agent)), 6);
    // alpha does not list beta: beta's operator is refused on alpha, and alpha audits it.
    await a.ok(["new", "wa", "--", "cat"]);
    const refused = tty(b, ["attach", "wa@alpha"]);
    expect(await refused.exit()).toBe(6);
    expect(refused.allText()).toMatch(/host beta may not control sessions on alpha/);
    expectFailure(await b.run(["wait", "wa@alpha", "--exit"]), 6, /host beta may not control sessions on alpha/);
    const onA = await audit(a);
    expect(onA.some((r) => r.actor === "operator@beta" && r.action === "federation.attach" && r.target === "wa" && r.outcome === "denied")).toBe(true);
  }, 60_000);
});

describe("remote wait", () => {
  test("match, exit, timeout; a cancelled caller ends the wait on the target", async () => {
    await b.ok(["new", "w1", "--", "sh", "-c", "read x; echo matched-$x; read y; exit 3"]);
    await waitForName(a, "w1@beta");
    const m = a.run(["wait", "w1@beta", "--match", "matched-\\w+", "--timeout", "20s"]);
    // Typed before or after the wait starts there: it looks at the screen first, then new output.
    await b.ok(["type", "w1", "go", "--enter"]);
    const mr = await m;
    expect(mr.code, mr.stderr).toBe(0);
    expect(mr.stdout).toContain("matched-go");
    const t = await a.run(["wait", "w1@beta", "--match", "never-there", "--timeout", "1s"]);
    expectFailure(t, 4, /timed out/);
    const e = a.run(["wait", "w1@beta", "--exit", "--json"]);
    await b.ok(["type", "w1", "bye", "--enter"]);
    const er = await e;
    expect(er.code, er.stderr).toBe(0);
    expect(JSON.parse(er.stdout)).toEqual({ type: "exit", code: 3, signal: null });
    expect((await audit(b)).some((r) => r.actor === "operator@alpha" && r.action === "remote.wait" && r.target === "w1")).toBe(true);
    // The caller goes away: its daemon cancels the wait on beta.
    await b.ok(["new", "w2", "--", "cat"]);
    await waitForName(a, "w2@beta");
    const p = Bun.spawn([BIN, "wait", "w2@beta", "--match", "never-there", "--timeout", "60s"], { env: a.env, stdout: "ignore", stderr: "ignore" });
    await waitFor(async () => (await audit(b)).some((r) => r.action === "remote.wait" && r.target === "w2" && r.detail === "started"), 10_000);
    p.kill("SIGKILL");
    await waitFor(async () => (await audit(b)).some((r) => r.action === "remote.wait" && r.target === "w2" && r.detail === "cancelled by the caller"), 10_000);
  }, 60_000);
});
