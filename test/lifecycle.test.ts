import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { BIN, TestHome, alive, waitFor } from "./helpers.ts";

const homes: TestHome[] = [];
const home = (opts?: ConstructorParameters<typeof TestHome>[0]) => {
  const h = new TestHome(opts);
  homes.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => h.cleanup()));
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe("daemon lifecycle", () => {
  test("a client verb starts the daemon, which reports itself in status --json", async () => {
    const h = home();
    const s = JSON.parse(await h.ok(["status", "--json"]));
    expect(s).toMatchObject({ protocol: 1, home: h.home, socket: h.socket });
    expect(typeof s.version).toBe("string");
    expect(s.pid).toBe(h.daemonPid());
    expect(alive(s.pid)).toBe(true);
    expect(s.db.bytes).toBeGreaterThan(0);
    expect(mode(h.home)).toBe(0o700);
    expect(mode(h.socket)).toBe(0o600);
    expect(mode(join(h.home, "maestro.db"))).toBe(0o600);
    expect(existsSync(join(h.home, "daemon.log"))).toBe(true);
    // the checkpoint worker started inside the compiled binary (no fallback to on-commit checkpoints)
    const log = require("node:fs").readFileSync(join(h.home, "daemon.log"), "utf8") as string;
    expect(log).not.toMatch(/checkpoint worker|falling back/);
  });

  test("status prints the fields a person reads", async () => {
    const h = home();
    const out = await h.ok(["status"]);
    for (const field of ["version", "protocol", "pid", "uptime", "home", "socket", "database"]) {
      expect(out).toMatch(new RegExp(`^${field}\\s`, "m"));
    }
  });

  test("daemon start is idempotent; stop removes the socket and exits 0; status says not running (exit 5)", async () => {
    const h = home();
    const pid = await h.start();
    expect((await h.ok(["daemon", "start"])).trim()).toBe(`daemon already running (pid ${pid})`);
    expect(h.daemonPid()).toBe(pid);
    expect((await h.ok(["daemon", "stop"])).trim()).toBe(`daemon stopped (pid ${pid})`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(h.socket)).toBe(false);
    // the store was closed cleanly: the WAL was checkpointed away
    expect(existsSync(join(h.home, "maestro.db-wal"))).toBe(false);
    const st = await h.run(["daemon", "status"]);
    expect(st.code).toBe(5);
    expect(st.stdout).toMatch(/not running/);
    expect((await h.ok(["daemon", "stop"])).trim()).toBe("daemon not running");
  });

  test("daemon restart replaces the process", async () => {
    const h = home();
    const before = await h.start();
    await h.ok(["daemon", "restart"]);
    const after = h.daemonPid();
    expect(after).not.toBe(before);
    expect(alive(before)).toBe(false);
    expect(JSON.parse(await h.ok(["daemon", "status", "--json"]))).toMatchObject({ running: true, pid: after });
  });

  test("SIGTERM shuts down cleanly: exit 0, socket removed, store closed", async () => {
    const h = home();
    const proc = Bun.spawn([BIN, "daemon"], { env: h.env, stdout: "ignore", stderr: "pipe" });
    await waitFor(async () => (await h.run(["daemon", "status"])).code === 0);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(existsSync(h.socket)).toBe(false);
    expect(existsSync(join(h.home, "maestro.db-wal"))).toBe(false);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toMatch(/listening on/);
    expect(stderr).toMatch(/shutting down: signal SIGTERM/);
  });

  test("a second daemon on the same home refuses with a clear message", async () => {
    const h = home();
    const pid = await h.start();
    const second = await h.run(["daemon"]);
    expect(second.code).toBe(5);
    expect(second.stderr.trim()).toBe(`maestro: a daemon is already running for ${h.home} (pid ${pid}); stop it with \`maestro daemon stop\``);
    expect(alive(pid)).toBe(true);
    expect((await h.run(["status"])).code).toBe(0);
  });

  test("after SIGKILL the stale socket is noticed and a new daemon replaces it", async () => {
    const h = home();
    const pid = await h.start();
    process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid));
    expect(existsSync(h.socket)).toBe(true); // left behind
    const s = JSON.parse(await h.ok(["status", "--json"]));
    expect(s.pid).not.toBe(pid);
    expect(alive(s.pid)).toBe(true);
  });

  test("a daemon that accepts and drops the client without a word counts as none: a real one is started", async () => {
    const h = home();
    require("node:fs").mkdirSync(h.home, { recursive: true, mode: 0o700 });
    // A stand-in for a daemon on its way out: takes one connection, closes it, and is gone.
    const dying = Bun.listen({
      unix: h.socket,
      socket: {
        open(s) {
          // Gone first (no listener, no socket file), then the drop: by the time the client
          // reacts, nothing answers at that path and the daemon it starts finds no rival.
          dying.stop(true);
          require("node:fs").rmSync(h.socket, { force: true });
          s.end();
        },
        data() {},
      },
    });
    const s = JSON.parse(await h.ok(["status", "--json"]));
    expect(s.pid).toBe(h.daemonPid());
    expect(alive(s.pid)).toBe(true);
  });

  test("MAESTRO_NO_AUTOSTART=1 with no daemon: exit 5 and a one-line hint, nothing started", async () => {
    const h = home();
    const r = await h.run(["status"], { env: { MAESTRO_NO_AUTOSTART: "1" } });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no daemon is running on .*maestro daemon start/);
    expect(h.daemonPid()).toBeUndefined();
  });

  test("ten clients starting at once end with exactly one daemon", async () => {
    const h = home();
    const results = await Promise.all(Array.from({ length: 10 }, () => h.run(["status", "--json"])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const pids = new Set(results.map((r) => JSON.parse(r.stdout).pid));
    expect(pids.size).toBe(1);
    const [pid] = pids;
    expect(pid).toBe(h.daemonPid());
    // no loser daemon lingers: the losers exit on the lock (give them the moment that takes), and
    // then only one process of this binary has this home
    const ours = async () => {
      const procs = (await Bun.$`pgrep -f ${BIN}`.nothrow().text()).trim().split("\n").filter(Boolean).map(Number);
      return procs.filter((p) => {
        try {
          return alive(p) && require("node:fs").readFileSync(`/proc/${p}/environ`, "utf8").includes(`MAESTRO_HOME=${h.home}\0`);
        } catch {
          return false;
        }
      });
    };
    await waitFor(async () => (await ours()).length === 1);
    expect(await ours()).toEqual([pid]);
  });
});

describe("paths (SPEC §2)", () => {
  test("a home path too long for sun_path falls back to a short socket under /tmp/maestro-<uid>", async () => {
    const base = mkdtempSync(join(tmpdir(), "mt-"));
    const deep = join(base, "x".repeat(60), "y".repeat(60));
    const h = home({ home: deep, env: { XDG_RUNTIME_DIR: "" } });
    const s = JSON.parse(await h.ok(["status", "--json"]));
    expect(s.home).toBe(deep);
    expect(s.socket).toMatch(new RegExp(`^/tmp/maestro-${process.getuid!()}/[0-9a-f]{16}\\.sock$`));
    expect(Buffer.byteLength(s.socket)).toBeLessThanOrEqual(107);
    expect(mode(s.socket)).toBe(0o600);
    expect(mode(join(s.socket, ".."))).toBe(0o700);
    await h.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  test("MAESTRO_SOCKET overrides the socket path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ms-"));
    const sock = join(dir, "custom.sock");
    const h = home({ env: { MAESTRO_SOCKET: sock } });
    expect(JSON.parse(await h.ok(["status", "--json"])).socket).toBe(sock);
    expect(mode(sock)).toBe(0o600);
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a MAESTRO_SOCKET too long for a Unix socket is refused with its length", async () => {
    const h = home({ env: { MAESTRO_SOCKET: `/tmp/${"z".repeat(120)}.sock` } });
    const r = await h.run(["status"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MAESTRO_SOCKET is \d+ bytes long, over the 107/);
  });

  test("a home writable by group or others is refused, by the daemon and by clients", async () => {
    const h = home();
    chmodSync(h.home, 0o777);
    const d = await h.run(["daemon"]);
    expect(d.code).toBe(6);
    expect(d.stderr).toMatch(/refusing home .* mode 0777 lets group or others write it; it is a shared directory, so choose a home of your own/);
    const c = await h.run(["status"]);
    expect(c.code).toBe(6);
    expect(c.stderr).toMatch(/refusing home/);
    expect(h.daemonPid()).toBeUndefined();
    chmodSync(h.home, 0o700);
  });

  test("a socket directory writable by others is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ms-"));
    chmodSync(dir, 0o733);
    const h = home({ env: { MAESTRO_SOCKET: join(dir, "s.sock") } });
    const r = await h.run(["status"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/refusing socket directory/);
    rmSync(dir, { recursive: true, force: true });
  });

  test.skipIf(process.getuid?.() !== 0)("a home owned by another user is refused (needs root to chown)", async () => {
    const h = home();
    chownSync(h.home, 65534, 65534);
    const r = await h.run(["daemon"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/refusing home .* owned by uid 65534/);
    chownSync(h.home, 0, 0);
  });

  test("the home is created 0700 when missing, with its parents", async () => {
    const base = mkdtempSync(join(tmpdir(), "mt-"));
    const h = home({ home: join(base, "a", "b") });
    await h.ok(["status"]);
    expect(mode(h.home)).toBe(0o700);
    await h.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  test("a home that is a file is refused", async () => {
    const base = mkdtempSync(join(tmpdir(), "mt-"));
    mkdirSync(join(base, "d"));
    const file = join(base, "f");
    require("node:fs").writeFileSync(file, "");
    const h = home({ home: file });
    const r = await h.run(["status"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    rmSync(base, { recursive: true, force: true });
  });
});
