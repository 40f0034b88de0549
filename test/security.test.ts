import { chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";

const CONFIG = `
[limits]
body_bytes = 2000
sends_per_second = 1
send_burst = 3

[[policy]]
action = "allow"
from = "worker-*"
to = "orchestrator"

[[policy]]
action = "deny"
from = "worker-*"
to = "*"
`;

const h = new TestHome({ config: CONFIG });
const tokens: Record<string, string> = {};
const as = (name: string) => ({ env: { MAESTRO_TOKEN: tokens[name]! } });
const messageCount = async () => JSON.parse(await h.ok(["status", "--json"])).messages as number;
const audit = async () => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as { actor: string; action: string; target: string; outcome: string; detail: string }[];

beforeAll(async () => {
  for (const n of ["orchestrator", "worker-1", "worker-2", "alice", "bob", "chatty"]) tokens[n] = JSON.parse(await h.ok(["register", n, "--json"])).token;
});
afterAll(() => h.cleanup());

describe("authentication and impersonation", () => {
  test("a token acts only as its own identity; another's message is invisible to it", async () => {
    expect((await h.ok(["whoami"], as("alice"))).trim()).toBe("alice (agent)");
    const id = (await h.ok(["send", "bob", "for bob only"], as("alice"))).trim();
    const inbox = JSON.parse(await h.ok(["inbox", "--json"], as("bob")));
    expect(inbox.find((m: { id: string }) => m.id === id)).toMatchObject({ from: "alice", to: ["bob"] });
    // alice's token cannot read, ack or reply as bob, nor look into bob's inbox
    const chatty = as("chatty");
    for (const args of [["read", id], ["ack", id], ["reply", id, "hijack"]]) {
      const r = await h.run(args, chatty);
      expect(r.code, args.join(" ")).toBe(3);
    }
    expect((await h.run(["inbox", "bob"], chatty)).code).toBe(6);
    expect((await h.run(["send", "bob", "x", "--from", "alice"], chatty)).code).toBe(2); // no --from, ever
  });

  test("a rotated token stops working at once; the refusal is audited", async () => {
    const old = tokens["worker-2"]!;
    tokens["worker-2"] = JSON.parse(await h.ok(["register", "worker-2", "--rotate", "--json"])).token;
    const r = await h.run(["whoami"], { env: { MAESTRO_TOKEN: old } });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/matches no identity/);
    expect((await h.ok(["whoami"], as("worker-2"))).trim()).toBe("worker-2 (agent)");
    const log = await audit();
    expect(log.some((e) => e.action === "rotate" && e.target === "worker-2" && e.outcome === "ok")).toBe(true);
    expect(log.some((e) => e.action === "auth" && e.outcome === "denied")).toBe(true);
  });

  test("agents may not register identities, stop the daemon, purge or read the audit log", async () => {
    const w = as("worker-1");
    for (const args of [["register", "evil"], ["daemon", "stop"], ["purge", "--older-than", "1s"], ["audit"], ["events", "--follow"]]) {
      const r = await h.run(args, w);
      expect(r.code, args.join(" ")).toBe(6);
      expect(r.stderr, args.join(" ")).toMatch(/only the operator may/);
    }
    expect((await h.run(["daemon", "status"])).code).toBe(0); // still running
  });
});

describe("policy", () => {
  test("workers may message only the orchestrator: a denied send exits 6 naming the rule and stores nothing", async () => {
    expect((await h.run(["send", "orchestrator", "done"], as("worker-1"))).code).toBe(0);
    const before = await messageCount();
    const r = await h.run(["send", "alice", "psst"], as("worker-1"));
    expect(r.code).toBe(6);
    expect(r.stderr.trim()).toBe('maestro: policy rule 2 (deny from "worker-*" to "*") refuses worker-1 → alice');
    expect(await messageCount()).toBe(before);
    const fanOut = await h.run(["send", "orchestrator,alice", "both?"], as("worker-1"));
    expect(fanOut.code).toBe(6); // one refused recipient refuses the whole send
    expect(await messageCount()).toBe(before);
    expect((await audit()).some((e) => e.actor === "worker-1" && e.action === "send" && e.outcome === "denied" && /policy rule 2/.test(e.detail))).toBe(true);
  });
});

describe("limits", () => {
  test("sends past the token bucket exit 6 saying when to retry; nothing stored; the operator is exempt", async () => {
    const before = await messageCount();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await h.run(["send", "bob", `burst ${i}`], as("chatty")));
    const refused = results.filter((r) => r.code === 6);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.stderr).toMatch(/rate limit: chatty may send 1 messages\/s \(burst 3, limits.sends_per_second\); retry in \d+\.\d\d s/);
    expect(await messageCount()).toBe(before + results.filter((r) => r.code === 0).length);
    for (let i = 0; i < 6; i++) expect((await h.run(["send", "bob", `operator ${i}`])).code).toBe(0);
    expect((await audit()).some((e) => e.actor === "chatty" && e.outcome === "denied" && /rate limit/.test(e.detail))).toBe(true);
  });

  test("a body over limits.body_bytes exits 6 naming the limit; nothing stored", async () => {
    const before = await messageCount();
    const r = await h.run(["send", "bob", "-"], { stdin: "x".repeat(2001) });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/2001 bytes, over the limit of 2000 \(limits.body_bytes\)/);
    expect(await messageCount()).toBe(before);
    expect((await audit()).some((e) => e.action === "send" && e.outcome === "denied" && /limits.body_bytes/.test(e.detail))).toBe(true);
  });
});

describe("audit and events", () => {
  test("sends, reads and registrations are recorded with who, what, target and outcome", async () => {
    const id = (await h.ok(["send", "alice", "audited"], as("bob"))).trim();
    await h.ok(["read", id], as("alice"));
    const log = await audit();
    expect(log).toContainEqual(expect.objectContaining({ actor: "bob", action: "send", target: "alice", outcome: "ok", detail: id }));
    expect(log).toContainEqual(expect.objectContaining({ actor: "alice", action: "read", target: id, outcome: "ok" }));
    expect(log).toContainEqual(expect.objectContaining({ actor: "operator", action: "register", target: "alice", outcome: "ok" }));
    const text = await h.ok(["audit", "--since", "1h"]);
    expect(text).toMatch(/ok\s+bob\s+send\s+alice/);
  });

  test("events --follow streams audit records and message events as they happen", async () => {
    const proc = Bun.spawn([join(import.meta.dirname, "..", "dist", "maestro"), "events", "--follow", "--json"], { env: h.env, stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    const lines: Record<string, unknown>[] = [];
    let buf = "";
    const next = async (pred: (e: Record<string, unknown>) => boolean) => {
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        const { value, done } = await reader.read();
        if (done) throw new Error("events stream ended");
        buf += new TextDecoder().decode(value);
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          lines.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
    };
    try {
      // the daemon counts the events client once its hello is through; then the stream is open
      await waitFor(async () => JSON.parse(await h.ok(["status", "--json"])).connections >= 2);
      const id = (await h.ok(["send", "alice", "live"])).trim();
      expect(await next((e) => e.kind === "message" && e.id === id)).toMatchObject({ event: "sent", from: "operator", to: ["alice"] });
      expect(await next((e) => e.kind === "audit" && e.action === "send" && e.detail === id)).toMatchObject({ actor: "operator", outcome: "ok", target: "alice" });
    } finally {
      proc.kill();
      await proc.exited;
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)("the peer's uid (SO_PEERCRED; needs root to run a client as nobody)", () => {
  test("another uid is refused even with the socket and home opened up, and the refusal is audited", async () => {
    chmodSync(h.home, 0o755);
    chmodSync(h.socket, 0o777);
    try {
      const fixture = join(import.meta.dirname, "fixtures", "raw-hello.ts");
      const proc = Bun.spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, fixture, h.socket], {
        env: { PATH: process.env.PATH ?? "", HOME: "/tmp" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      const first = JSON.parse(stdout.split("\n")[0] || `{"stderr": ${JSON.stringify(stderr)}}`);
      expect(first).toMatchObject({ kind: 5, body: { code: "forbidden", exit: 6, fatal: true } });
      expect(first.body.message).toMatch(/uid 65534 is refused/);
      expect((await audit()).some((e) => e.actor === "uid 65534" && e.action === "auth" && e.outcome === "denied")).toBe(true);
    } finally {
      chmodSync(h.socket, 0o600);
      chmodSync(h.home, 0o700);
    }
  });
});

describe("session limits", () => {
  test("past sessions.max_sessions and sessions.max_clients: exit 6 naming the limit, nothing created, audited", async () => {
    const lim = new TestHome({ config: "[sessions]\nmax_sessions = 2\nmax_clients = 1\n" });
    try {
      await lim.ok(["new", "s1", "--", "cat"]);
      await lim.ok(["new", "s2", "--", "cat"]);
      const r = await lim.run(["new", "s3", "--", "cat"]);
      expect(r.code).toBe(6);
      expect(r.stderr.trim()).toMatch(/already runs 2 sessions \(sessions.max_sessions\)/);
      expect(JSON.parse(await lim.ok(["ls", "--json"])).map((s: { name: string }) => s.name)).toEqual(["s1", "s2"]);
      // one client attached (read-only, so no terminal is needed for its keys); a second is refused
      const first = Bun.spawn([join(import.meta.dirname, "..", "dist", "maestro"), "attach", "s1", "--read-only"], {
        env: lim.env,
        terminal: { cols: 80, rows: 24, data() {} },
      });
      await waitFor(async () => JSON.parse(await lim.ok(["ls", "--json"]))[0].clients === 1);
      let said = "";
      const second = Bun.spawn([join(import.meta.dirname, "..", "dist", "maestro"), "attach", "s1", "--read-only"], {
        env: lim.env,
        terminal: { cols: 80, rows: 24, data: (_t, bytes) => void (said += new TextDecoder().decode(bytes)) },
      });
      expect(await second.exited).toBe(6);
      expect(said).toMatch(/already has 1 clients \(sessions.max_clients\)/);
      first.kill();
      await first.exited;
      const log = JSON.parse(await lim.ok(["audit", "--json"])) as { action: string; target: string; outcome: string; detail: string }[];
      expect(log).toContainEqual(expect.objectContaining({ action: "session.new", target: "s3", outcome: "denied", detail: expect.stringMatching(/max_sessions/) }));
      expect(log).toContainEqual(expect.objectContaining({ action: "session.attach", target: "s1", outcome: "denied", detail: expect.stringMatching(/max_clients/) }));
    } finally {
      await lim.cleanup();
    }
  });
});
