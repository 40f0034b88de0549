/**
 * A daemon that accepts the connect but never answers (SIGSTOPped; the kernel's backlog accepts
 * for it) must not hang clients: exit 5 with one line naming the socket and the pid, within
 * MAESTRO_TIMEOUT. Waits the user asked for are not cut by that deadline.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VERSION } from "../src/protocol/version.ts";
import { standInDaemon, TestHome } from "./helpers.ts";
import { Follower, register, spawnVerb } from "./msg-helpers.ts";

const TIMEOUT = { MAESTRO_TIMEOUT: "300ms" };

describe("a stopped daemon", () => {
  let h: TestHome;
  let pid: number;
  beforeAll(async () => {
    h = new TestHome();
    pid = await h.start();
  });
  afterAll(async () => {
    process.kill(pid, "SIGCONT");
    await h.cleanup();
  });

  test("every verb exits 5 within the deadline with one line naming the socket and the pid", async () => {
    const token = await register(h, "w1");
    process.kill(pid, "SIGSTOP");
    try {
      const verbs = [["status"], ["send", "w1", "x"], ["inbox"], ["whoami"], ["daemon", "status"], ["daemon", "stop"]];
      const t0 = Date.now();
      const results = await Promise.all([
        ...verbs.map((v) => h.run(v, { env: TIMEOUT })),
        h.run(["inbox"], { env: { ...TIMEOUT, MAESTRO_TOKEN: token } }),
      ]);
      // 300 ms each, in parallel; generous for a loaded machine, far below "forever".
      expect(Date.now() - t0).toBeLessThan(4000);
      for (const r of results) {
        expect(r.code, r.stderr).toBe(5);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain(`daemon at ${h.socket} (pid ${pid}) did not answer within 300ms; is it stopped?`);
        expect(r.stderr).toContain(`kill -CONT ${pid}`);
      }
    } finally {
      process.kill(pid, "SIGCONT");
    }
    // Resumed, it serves again, and nothing was started in its place.
    expect(JSON.parse(await h.ok(["status", "--json"])).pid).toBe(pid);
  });

  test("a bad MAESTRO_TIMEOUT is a usage error", async () => {
    const r = await h.run(["status"], { env: { MAESTRO_TIMEOUT: "soon" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MAESTRO_TIMEOUT: invalid duration "soon"/);
  });
});

describe("a daemon that welcomes but never replies", () => {
  test("an ordinary request gets exit 5 naming the request, after the deadline", async () => {
    const h = new TestHome();
    // A stand-in daemon: answers the hello, then ignores every request.
    const server = standInDaemon(h.socket, { version: VERSION, pid: 4242 });
    try {
      const r = await h.run(["whoami"], { env: { ...TIMEOUT, MAESTRO_NO_AUTOSTART: "1" } });
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr.trim()).toBe(
        `maestro: daemon at ${h.socket} (pid 4242) did not answer the whoami request within 300ms; is it stopped? (\`ps -o stat= -p 4242\` shows T if so, and \`kill -CONT 4242\` resumes it); MAESTRO_TIMEOUT=30s waits longer`,
      );
    } finally {
      server.stop(true);
      rmSync(h.home, { recursive: true, force: true });
    }
  });
});

describe("waits the user asked for outlast the deadline", () => {
  let h: TestHome;
  beforeAll(async () => {
    h = new TestHome({ env: { MAESTRO_TIMEOUT: "200ms" } });
    await h.start();
  });
  afterAll(() => h.cleanup());

  test("send --wait read runs to its own --timeout (exit 4), not the client deadline", async () => {
    await register(h, "r1");
    const t0 = Date.now();
    const r = await h.run(["send", "r1", "hello", "--wait", "read", "--timeout", "1200ms"]);
    expect(r.code, r.stderr).toBe(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
  });

  test("wait --match runs to its --timeout (exit 4)", async () => {
    await h.ok(["new", "s1", "--", "sh", "-c", "sleep 30"]);
    const r = await h.run(["wait", "s1", "--match", "never-printed", "--timeout", "1s"]);
    expect(r.code, r.stderr).toBe(4);
  });

  test("inbox --follow still receives after the deadline has passed", async () => {
    const token = await register(h, "f1");
    const follower = new Follower(h, token);
    try {
      // A message before the deadline proves the stream is open; one well after it, that it stays so.
      await h.ok(["send", "f1", "first"]);
      expect((await follower.next()).body).toBe("first");
      await Bun.sleep(600);
      await h.ok(["send", "f1", "second"]);
      expect((await follower.next()).body).toBe("second");
    } finally {
      await follower.stop();
    }
  });

  test("send --wait read is answered when the message is read, long after the deadline", async () => {
    const token = await register(h, "r2");
    const waiting = spawnVerb(h, ["send", "r2", "ping", "--wait", "read", "--timeout", "20s", "--json"]);
    await Bun.sleep(600);
    const inbox = JSON.parse(await h.ok(["inbox", "--json"], { env: { MAESTRO_TOKEN: token } })) as { id: string }[];
    await h.ok(["read", inbox[0]!.id], { env: { MAESTRO_TOKEN: token } });
    expect(await waiting.proc.exited, await waiting.stderr).toBe(0);
  });
});
