import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import { Client } from "../src/client/connection.ts";
import { TestHome, alive, rssBytes, waitFor } from "./helpers.ts";
import { Tty } from "./tty.ts";

const homes: TestHome[] = [];
afterAll(async () => {
  await Promise.all(homes.map((h) => h.cleanup()));
});

function home(config?: string): TestHome {
  const h = new TestHome(config ? { config } : {});
  homes.push(h);
  return h;
}

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Live (non-zombie) children of `pid`. */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && fields[0] !== "Z") out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe("session resources", () => {
  test("300 create/kill/rm cycles leave the daemon's fds and children at baseline", async () => {
    const h = home();
    const pid = await h.start();
    const c = await Client.connect({ socket: h.socket });
    try {
      let i = 0;
      const cycle = async () => {
        // every other one with --log, so its log file is opened and closed too
        await c.request("new", { name: "cyc", command: ["sleep", "1000"], log: i++ % 2 === 0 });
        const k = await c.request("kill", { name: "cyc", signal: "KILL" });
        expect(k.exited).toBe(true);
        await c.request("rm", { name: "cyc" });
      };
      await cycle(); // warm up: lazy loads, the log directory, SQLite statements
      const fds = fdCount(pid);
      const kids = children(pid).length;
      for (let i = 0; i < 300; i++) await cycle();
      // Back to (or below: a connection of the warm-up may still have been closing) the baseline.
      await waitFor(() => fdCount(pid) <= fds && children(pid).length <= kids);
      expect(fdCount(pid)).toBeLessThanOrEqual(fds);
      expect(children(pid).length).toBeLessThanOrEqual(kids);
    } finally {
      c.close();
    }
  }, 120_000);

  test("daemon stop kills every session's program, even one that ignores SIGHUP", async () => {
    const h = home();
    await h.start();
    await h.ok(["new", "a", "--", "sleep", "1000"]);
    await h.ok(["new", "b", "--", "sh", "-c", "trap '' HUP; echo ready; while :; do sleep 1; done"]);
    await h.ok(["wait", "b", "--match", "ready", "--timeout", "5s"]);
    const pids = (JSON.parse(await h.ok(["ls", "--json"])) as { pid: number }[]).map((s) => s.pid);
    expect(pids.every(alive)).toBe(true);
    await h.ok(["daemon", "stop", "--force"]);
    await waitFor(() => !pids.some(alive));
  });

  test("a stopped client stops receiving; the program and the other client run on; on SIGCONT it gets a fresh screen", async () => {
    const h = home("[sessions]\nhigh_water_bytes = 262144\nlow_water_bytes = 16384\n");
    await h.start();
    await h.ok(["new", "bp", "--", "sh", "-c", "read x; seq 1 1500000; echo DONE-$((6*7)); exec cat"]);
    const fast = new Tty(h, ["attach", "bp", "--read-only"]);
    const slow = new Tty(h, ["attach", "bp", "--read-only"]);
    try {
      await fast.settle();
      await slow.settle();
      slow.kill("SIGSTOP");
      await h.ok(["type", "bp", "--enter"]);
      // The program finishes ~11 MB of output while one client reads nothing at all.
      await h.ok(["wait", "bp", "--match", "DONE-42", "--timeout", "30s"]);
      await fast.waitScreen(/1500000\nDONE-42/, 30_000);
      const attached = (JSON.parse(await h.ok(["ls", "--json"]))[0] as { attached: { backlog: number; stalled: boolean }[] }).attached;
      const held = attached.filter((a) => a.stalled);
      expect(held).toHaveLength(1);
      // Never more than the high-water mark plus one PTY read is queued for it.
      expect(held[0]!.backlog).toBeLessThan(262144 + 128 * 1024);
      slow.kill("SIGCONT");
      await slow.waitScreen(/1500000\nDONE-42/, 30_000);
      await slow.settle();
      expect(slow.screen()).toEqual(fast.screen());
      const after = (JSON.parse(await h.ok(["ls", "--json"]))[0] as { attached: { stalled: boolean }[] }).attached;
      expect(after.map((a) => a.stalled)).toEqual([false, false]);
    } finally {
      slow.kill("SIGCONT");
      fast.dispose();
      slow.dispose();
    }
  }, 60_000);

  test("a client that fell behind by less than the ring catches up from it: every byte, in order, no redraw", async () => {
    const h = home("[sessions]\nhigh_water_bytes = 65536\nlow_water_bytes = 8192\nring_bytes = 16777216\n");
    await h.start();
    await h.ok(["new", "cu", "--", "sh", "-c", "read x; seq 1 400000; echo DONE-$((6*7)); exec cat"]);
    const slow = new Tty(h, ["attach", "cu", "--read-only"]);
    try {
      await slow.settle();
      slow.kill("SIGSTOP");
      await h.ok(["type", "cu", "--enter"]);
      await h.ok(["wait", "cu", "--match", "DONE-42", "--timeout", "30s"]);
      const held = (JSON.parse(await h.ok(["ls", "--json"]))[0] as { attached: { stalled: boolean }[] }).attached;
      expect(held.map((a) => a.stalled)).toEqual([true]);
      slow.kill("SIGCONT");
      await slow.waitScreen(/400000\nDONE-42/, 30_000);
      // The client's own scrollback holds an unbroken run of lines: nothing was skipped or redrawn.
      const lines = slow.allText().split("\n").filter((l) => /^\d+$/.test(l)).map(Number);
      expect(lines.length).toBeGreaterThan(4000);
      expect(lines.at(-1)).toBe(400000);
      expect(lines.every((n, i) => i === 0 || n === lines[i - 1]! + 1)).toBe(true);
    } finally {
      slow.kill("SIGCONT");
      slow.dispose();
    }
  }, 60_000);

  test("bad [sessions] config stops the daemon at start-up, naming the key", async () => {
    for (const [config, re] of [
      ["[sessions]\nring_bytes = 100\n", /"sessions.ring_bytes" must be an integer of at least 4096/],
      ["[sessions]\nlow_water_bytes = 2000000\n", /"sessions.low_water_bytes" must be below "sessions.high_water_bytes"/],
      ["[sessions]\ndetach_key = \"q\"\n", /"sessions.detach_key": invalid detach key "q"/],
      ["[sessions]\nbogus = 1\n", /unknown key "sessions.bogus"/],
    ] as const) {
      const h = home(config);
      const r = await h.run(["daemon", "start"]);
      expect(r.code, config).toBe(5); // the daemon failed to start, saying why
      expect(r.stderr, config).toMatch(/^maestro: the daemon failed to start: config /);
      expect(r.stderr, config).toMatch(re);
    }
  });

  test("memory per session is bounded whatever the program prints (3 × 128 MB, nobody attached)", async () => {
    const h = home();
    const pid = await h.start();
    const flood = "yes 'some output, over and over, to fill the ring' | head -c 128000000";
    const phase = (n: number) => `read x; ${flood}; echo PHASE-$((${n}*11))`;
    await h.ok(["new", "big", "--", "sh", "-c", `${phase(1)}; ${phase(2)}; ${phase(3)}; exec cat`]);
    await h.ok(["peek", "big"]); // the screen tracker exists too
    const flood1 = async (n: number) => {
      await h.ok(["type", "big", "--enter"]);
      await h.ok(["wait", "big", "--match", `PHASE-${n * 11}`, "--timeout", "60s"]);
      return rssBytes(pid);
    };
    // The first flood grows the heap to its working size (a 2 MiB ring, the tracker, the
    // allocator's and the GC's slack). Printing as much again, twice, must not grow it further:
    // nothing printed is retained. (A leak would add ~128 MB per flood.)
    const warm = await flood1(1);
    const second = await flood1(2);
    const third = await flood1(3);
    expect(Math.max(second, third) - warm).toBeLessThan(64 * 1024 * 1024);
    expect(await h.ok(["peek", "big"])).toMatch(/PHASE-33/);
  }, 120_000);

  test("the detach key comes from config unless --detach-key overrides it", async () => {
    const h = home('[sessions]\ndetach_key = "C-b"\n');
    await h.start();
    await h.ok(["new", "dk", "--", "cat"]);
    const t = new Tty(h, ["attach", "dk"]);
    try {
      await t.settle();
      t.type("\x02");
      expect(await t.exit()).toBe(0);
    } finally {
      t.dispose();
    }
  });
});
