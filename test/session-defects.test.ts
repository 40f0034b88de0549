/**
 * Session defects from issue 9 §3: wait on an exited session, daemon stop while sessions run,
 * new --attach without a terminal, type's size limit and --enter, attaching to yourself, clients
 * of different sizes, kill of a program that ignores the signal, type --key in application
 * cursor mode.
 */
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { Client } from "../src/client/connection.ts";
import { alive, BIN, TestHome, waitFor } from "./helpers.ts";
import { Tty } from "./tty.ts";

const h = new TestHome();
afterAll(() => h.cleanup());
const ttys: Tty[] = [];
afterEach(async () => {
  for (const t of ttys.splice(0)) t.dispose();
  for (const s of JSON.parse(await h.ok(["ls", "--json"])) as { name: string }[]) await h.ok(["rm", "--force", s.name]);
});

const KEY_BYTES = join(import.meta.dirname, "fixtures", "key-bytes.ts");
const SIZE_ROWS = join(import.meta.dirname, "fixtures", "size-rows.sh");
const ls = async () => JSON.parse(await h.ok(["ls", "--json"])) as { name: string; cols: number; rows: number; state: string }[];
const oneLine = (stderr: string) => expect(stderr.trim().split("\n")).toHaveLength(1);

describe("wait on a session that exits", () => {
  test("--match or --idle on an already exited session exits 1 at once (also with --timeout); --exit still succeeds", async () => {
    await h.ok(["new", "ex", "--", "sh", "-c", "echo final-words; exit 3"]);
    expect((await h.ok(["wait", "ex", "--exit", "--timeout", "5s"])).trim()).toBe("exited: code 3");
    for (const extra of [[], ["--timeout", "20s"]]) {
      const r = await h.run(["wait", "ex", "--match", "never-printed", ...extra]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ex exited before matching --match/);
      oneLine(r.stderr);
    }
    const idle = await h.run(["wait", "ex", "--idle", "20s"]);
    expect(idle.code).toBe(1);
    expect(idle.stderr).toMatch(/ex exited before going idle/);
    // What its final screen shows still matches.
    expect((await h.ok(["wait", "ex", "--match", "final-\\w+"])).trim()).toBe("final-words");
  });

  test("a session that exits during an --idle or --match wait ends both with exit 1", async () => {
    await h.ok(["new", "ex2", "--", "sh", "-c", "echo waiting; read x; exit 0"]);
    await h.ok(["wait", "ex2", "--match", "waiting", "--timeout", "5s"]);
    const idle = h.run(["wait", "ex2", "--idle", "20s", "--timeout", "30s"]);
    const match = h.run(["wait", "ex2", "--match", "never-printed", "--timeout", "30s"]);
    // Both waits' connections are open (this status is the third) before the program exits.
    await waitFor(async () => JSON.parse(await h.ok(["status", "--json"])).connections >= 3);
    await h.ok(["type", "ex2", "--enter"]);
    const [i, m] = await Promise.all([idle, match]);
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/ex2 exited before going idle; give --exit/);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/ex2 exited before matching --match/);
  });
});

describe("daemon stop while sessions run", () => {
  test("stop and restart refuse (exit 6, naming how many) without --force; --force stops; SIGTERM always stops", async () => {
    const d = new TestHome();
    try {
      const pid = await d.start();
      await d.ok(["new", "s1", "--", "cat"]);
      await d.ok(["new", "s2", "--", "cat"]);
      for (const action of ["stop", "restart"]) {
        const r = await d.run(["daemon", action]);
        expect(r.code).toBe(6);
        expect(r.stderr).toMatch(/2 sessions are running \(s1, s2\) and would end with the daemon; give --force/);
        oneLine(r.stderr);
      }
      expect(d.daemonPid()).toBe(pid);
      expect((JSON.parse(await d.ok(["ls", "--json"])) as { state: string }[]).map((s) => s.state)).toEqual(["running", "running"]);
      expect((await d.ok(["daemon", "stop", "--force"])).trim()).toBe(`daemon stopped (pid ${pid})`);
      expect(alive(pid)).toBe(false);

      const pid2 = await d.start();
      await d.ok(["new", "s3", "--", "cat"]);
      process.kill(pid2, "SIGTERM");
      await waitFor(() => !alive(pid2));
      expect((await d.run(["daemon", "status"], { env: { MAESTRO_NO_AUTOSTART: "1" } })).code).toBe(5);
    } finally {
      await d.cleanup();
    }
  });
});

describe("new --attach without a terminal", () => {
  test("exits 2 and creates nothing", async () => {
    const r = await h.run(["new", "na", "--attach", "--", "cat"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal.*nothing was created/);
    oneLine(r.stderr);
    expect(await ls()).toEqual([]);
  });
});

describe("type", () => {
  test("20 MB on stdin is refused with exit 6 naming the limit; the daemon refuses an oversize request too", async () => {
    await h.ok(["new", "big", "--", "cat"]);
    const r = await h.run(["type", "big", "-"], { stdin: "x".repeat(20 * 1024 * 1024) });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/20971520 bytes is over the limit of 1048576 bytes/);
    oneLine(r.stderr);
    const c = await Client.connect({ socket: h.socket });
    try {
      await expect(c.request("type", { name: "big", text: "y".repeat(1024 * 1024 + 1) })).rejects.toMatchObject({ code: "too_large" });
      await expect(c.request("type", { name: "big", text: "z".repeat(1024 * 1024 - 1), enter: true })).resolves.toMatchObject({ bytes: 1024 * 1024 });
    } finally {
      c.close();
    }
  });

  test("with --enter, one trailing newline of the text is dropped: Enter is pressed once", async () => {
    await h.ok(["new", "kb", "--", process.execPath, KEY_BYTES]);
    await h.ok(["wait", "kb", "--match", "key-bytes ready", "--timeout", "10s"]);
    await h.ok(["type", "kb", "-", "--enter"], { stdin: "ls\n" });
    expect((await h.ok(["wait", "kb", "--match", "^got ", "--timeout", "5s"])).trim()).toBe("got 6c 73 0d");
  });

  test("--key Up/Home follow application cursor keys (ESC O A once the program sent ESC[?1h)", async () => {
    await h.ok(["new", "app", "--", process.execPath, KEY_BYTES, "--app-cursor"]);
    await h.ok(["new", "norm", "--", process.execPath, KEY_BYTES]);
    for (const s of ["app", "norm"]) await h.ok(["wait", s, "--match", "key-bytes ready", "--timeout", "10s"]);
    for (const s of ["app", "norm"]) await h.ok(["type", s, "--key", "Up", "--key", "Home", "--key", "Left", "--key", "M-Down"]);
    expect((await h.ok(["wait", "app", "--match", "^got ", "--timeout", "5s"])).trim()).toBe("got 1b 4f 41 1b 4f 48 1b 4f 44 1b 1b 4f 42");
    expect((await h.ok(["wait", "norm", "--match", "^got ", "--timeout", "5s"])).trim()).toBe("got 1b 5b 41 1b 5b 48 1b 5b 44 1b 1b 5b 42");
  });
});

describe("attach", () => {
  test("attaching to a session from inside it is refused (exit 6, one line); a read-only attach to another still works", async () => {
    await h.ok(["new", "other", "--", "sh", "-c", "echo other-done"]);
    await h.ok(["wait", "other", "--exit", "--timeout", "5s"]);
    await h.ok(["new", "self1", "--", "sh", "-c", `${BIN} attach self1; echo "rc=$?"; ${BIN} attach self1 --read-only 2>/dev/null; echo "ro=$?"; ${BIN} attach other --read-only >/dev/null; echo "other=$?"; exec cat`]);
    expect((await h.ok(["wait", "self1", "--match", "^other=\\d+", "--timeout", "10s"])).trim()).toBe("other=0");
    const screen = await h.ok(["peek", "self1"]);
    expect(screen).toMatch(/^rc=6$/m);
    expect(screen).toMatch(/^maestro: cannot attach to self1 from inside it: its output would loop/m);
    expect(screen).toMatch(/^ro=6$/m);
  });

  test("two writable clients of different sizes: the session is the smallest, and neither sees wrapped rows", async () => {
    await h.ok(["new", "w", "--", "sh", SIZE_ROWS]);
    await h.ok(["wait", "w", "--match", "^size 24 80", "--timeout", "5s"]);
    const small = new Tty(h, ["attach", "w"], 60, 15);
    ttys.push(small);
    await small.waitScreen(/^size 15 60$/m);
    const big = new Tty(h, ["attach", "w"], 100, 30);
    ttys.push(big);
    await big.waitScreen(/^size 15 60$/m);
    await big.settle();
    await small.settle();
    expect((await ls())[0]).toMatchObject({ cols: 60, rows: 15 });
    const row60 = "#".repeat(60);
    for (const t of [small, big]) {
      expect(t.screen()).toContain(row60);
      expect(wrappedRows(t, "size 15 60")).toEqual([]);
    }
    // The small one leaves: the session grows to the one left.
    small.type("\x1c");
    expect(await small.exit()).toBe(0);
    await big.waitScreen(/^size 30 100$/m);
    await big.settle();
    expect((await ls())[0]).toMatchObject({ cols: 100, rows: 30 });
    expect(big.screen()).toContain("#".repeat(100));
    expect(wrappedRows(big, "size 30 100")).toEqual([]);
    // A read-only client has no say in the size.
    const ro = new Tty(h, ["attach", "w", "--read-only"], 50, 10);
    ttys.push(ro);
    await ro.waitScreen(/size 30 100/);
    expect((await ls())[0]).toMatchObject({ cols: 100, rows: 30 });
    big.type("\x1c");
    expect(await big.exit()).toBe(0);
  });
});

describe("kill", () => {
  test("a program still running after the grace period: exit 1, saying to try --signal KILL", async () => {
    await h.ok(["new", "tt", "--", "sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 0.1; done"]);
    await h.ok(["wait", "tt", "--match", "trapped", "--timeout", "5s"]);
    const r = await h.run(["kill", "tt", "--signal", "TERM"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tt: SIGTERM sent; still running after 3 s \(try --signal KILL\)/);
    oneLine(r.stderr);
    expect((await ls())[0]!.state).toBe("running");
    expect((await h.ok(["kill", "tt", "--signal", "KILL"])).trim()).toBe("tt: SIGKILL sent; it exited");
  });
});

/**
 * Rows that continue the row above (a wrap), from the last `marker` line on: what the program drew
 * at the size it was last told. (Rows drawn earlier at another width are reflowed, as in tmux.)
 */
function wrappedRows(t: Tty, marker: string): number[] {
  const b = t.term.buffer.active;
  let from = -1;
  for (let y = 0; y < b.length; y++) if (b.getLine(y)?.translateToString(true) === marker) from = y;
  expect(from).toBeGreaterThanOrEqual(0);
  const out: number[] = [];
  for (let y = from; y < b.length; y++) if (b.getLine(y)?.isWrapped) out.push(y);
  return out;
}
