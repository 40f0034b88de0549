/**
 * `maestro doctor`: each problem it is meant to find, found, with the right exit code — and it
 * never starts a daemon.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { isLocked } from "../src/protocol/lock.ts";
import { alive, standInDaemon, TestHome, waitFor } from "./helpers.ts";

const homes: TestHome[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const pid of pids.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const h of homes.splice(0)) {
    chmodSync(h.home, 0o700);
    await h.cleanup();
  }
});
function home(): TestHome {
  const h = new TestHome();
  homes.push(h);
  return h;
}

interface Report {
  ok: boolean;
  checks: { name: string; status: string; detail: string; fix?: string }[];
}

async function doctor(h: TestHome): Promise<{ code: number; report: Report; check: (name: string) => Report["checks"][number] }> {
  const r = await h.run(["doctor", "--json"]);
  const report = JSON.parse(r.stdout) as Report;
  return { code: r.code, report, check: (name) => report.checks.find((c) => c.name === name)! };
}

describe("doctor", () => {
  test("a healthy running home: exit 0, nothing fails, web and federation not configured", async () => {
    const h = home();
    await h.start();
    await h.ok(["send", "operator", "hello"]);
    const { code, report, check } = await doctor(h);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(check("daemon")).toMatchObject({ status: "ok" });
    expect(check("store").detail).toMatch(/intact .*1 messages, schema \d+/);
    expect(check("web")).toEqual({ name: "web", status: "skip", detail: "not configured" });
    expect(check("federation")).toEqual({ name: "federation", status: "skip", detail: "not configured" });
    const human = await h.run(["doctor"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok {4}home/m);
  });

  test("no daemon: a warning (exit 0), and doctor does not start one", async () => {
    const h = home();
    const { code, check } = await doctor(h);
    expect(code).toBe(0);
    expect(check("daemon")).toMatchObject({ status: "warn", detail: "not running" });
    expect(check("daemon").fix).toMatch(/maestro daemon start/);
    expect(isLocked(h.lockFile)).toBe(false);
    expect(existsSync(h.socket)).toBe(false);
  });

  test("a group-writable home: fail, exit 1, with the chmod to run", async () => {
    const h = home();
    chmodSync(h.home, 0o770);
    const { code, check } = await doctor(h);
    expect(code).toBe(1);
    expect(check("home")).toMatchObject({ status: "fail", fix: `run chmod 700 ${h.home}` });
    expect(check("home").detail).toMatch(/mode 0770 lets group or others write it/);
  });

  test("a corrupt store: fail, exit 1, with the way on", async () => {
    const h = home();
    writeFileSync(join(h.home, "maestro.db"), "this is not a database\n".repeat(500));
    const { code, check } = await doctor(h);
    expect(code).toBe(1);
    expect(check("store").status).toBe("fail");
    expect(check("store").fix).toMatch(/restore a backup/);
  });

  test("a bad config: fail, exit 1, naming the key", async () => {
    const h = home();
    writeFileSync(join(h.home, "config.toml"), "[daemon]\nlog_keep = 1000\n");
    const { code, check } = await doctor(h);
    expect(code).toBe(1);
    expect(check("config").status).toBe("fail");
    expect(check("config").detail).toMatch(/"daemon.log_keep" must be an integer from 0 to 100/);
  });

  test("a stale socket (the daemon was killed): a warning, exit 0, nothing started", async () => {
    const h = home();
    const pid = await h.start();
    process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid));
    expect(existsSync(h.socket)).toBe(true);
    const { code, check } = await doctor(h);
    expect(code).toBe(0);
    expect(check("socket").status).toBe("warn");
    expect(check("socket").detail).toMatch(/is stale: no daemon answers on it/);
    expect(isLocked(h.lockFile)).toBe(false);
  });

  test("a daemon of another version: fail, exit 1, naming both versions and the restart", async () => {
    const h = home();
    mkdirSync(h.home, { recursive: true });
    // A stand-in daemon: answers every hello with the welcome of an older release.
    const server = standInDaemon(h.socket, { version: "0.0.9", pid: process.pid, protocol: 1 }, (end) => end());
    try {
      const { code, check } = await doctor(h);
      expect(code).toBe(1);
      expect(check("daemon").status).toBe("fail");
      expect(check("daemon").detail).toMatch(/runs maestro 0\.0\.9, this client is \d+\.\d+\.\d+/);
      expect(check("daemon").fix).toMatch(/maestro daemon restart/);
    } finally {
      server.stop(true);
    }
  });

  test("a process a session left behind when its daemon stopped: a warning naming its pid", async () => {
    const h = home();
    await h.start();
    const marker = join(h.home, "escaped.pid");
    // setsid: the program leaves the session's process group, so the hang-up at shutdown misses it.
    await h.ok(["new", "s", "--", "sh", "-c", `setsid sh -c 'echo $$ > ${marker}; exec sleep 300' & exec sleep 300`]);
    await waitFor(() => existsSync(marker) && require("node:fs").readFileSync(marker, "utf8").trim() !== "");
    const escaped = Number(require("node:fs").readFileSync(marker, "utf8"));
    pids.push(escaped);
    await h.ok(["daemon", "stop", "--force"]);
    expect(alive(escaped)).toBe(true);
    const { code, check } = await doctor(h);
    expect(code).toBe(0);
    expect(check("sessions").status).toBe("warn");
    expect(check("sessions").detail).toContain(`${escaped} (s)`);
    expect(check("sessions").fix).toContain(`kill ${escaped}`);
  });
});
