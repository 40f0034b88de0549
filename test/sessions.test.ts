import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { Client } from "../src/client/connection.ts";
import { BIN, TestHome, waitFor } from "./helpers.ts";

const h = new TestHome();
afterAll(() => h.cleanup());
afterEach(async () => {
  for (const s of JSON.parse(await h.ok(["ls", "--json"])) as { name: string }[]) await h.ok(["rm", "--force", s.name]);
});

const ls = async () => JSON.parse(await h.ok(["ls", "--json"])) as Record<string, unknown>[];
const oneLine = (stderr: string) => expect(stderr.trim().split("\n")).toHaveLength(1);

describe("sessions", () => {
  test("new starts the program in a PTY; ls shows it; status counts it", async () => {
    expect((await h.ok(["new", "s1", "--", "sh", "-c", "tty; exec cat"])).trim()).toMatch(/^created s1 \(pid \d+\)$/);
    const [s] = await ls();
    expect(s).toMatchObject({ name: "s1", state: "running", clients: 0, cols: 80, rows: 24, unread: 0, notify: "none", restart: "no" });
    expect(s!.command).toEqual(["sh", "-c", "tty; exec cat"]);
    expect(await h.ok(["wait", "s1", "--match", "^/dev/pts/\\d+", "--timeout", "5s"])).toMatch(/^\/dev\/pts\/\d+/);
    const table = await h.ok(["ls"]);
    expect(table).toMatch(/^NAME\s+PID\s+STATE\s+CLIENTS\s+SIZE\s+CREATED\s+ACTIVITY\s+UNREAD\s+NOTICES/);
    expect(table).toMatch(/s1\s+\d+\s+running\s+0\s+80x24/);
    expect(JSON.parse(await h.ok(["status", "--json"])).sessions).toBe(1);
  });

  test("the child gets MAESTRO_SESSION, MAESTRO_SOCKET and no token (Linux): inside, maestro is the session's identity", async () => {
    const out = join(h.home, "whoami.json");
    await h.ok(["new", "me", "--env", "A=1", "--env", "B=two words", "--", "sh", "-c", `echo "$MAESTRO_SESSION|$A|$B|$MAESTRO_SOCKET|$MAESTRO_TOKEN"; ${BIN} whoami --json > ${out}; exec cat`]);
    expect((await h.ok(["wait", "me", "--match", "^me\\|", "--timeout", "5s"])).trim()).toBe(`me|1|two words|${h.socket}|`);
    await waitFor(() => existsSync(out) && readFileSync(out, "utf8").endsWith("\n"));
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ name: "me", kind: "session" });
  });

  test("a session is a messaging identity: send reaches it, ls counts its unread messages", async () => {
    await h.ok(["new", "inbox1", "--", "cat"]);
    await h.ok(["send", "inbox1", "first"]);
    await h.ok(["send", "inbox1", "second"]);
    expect((await ls())[0]).toMatchObject({ name: "inbox1", unread: 2 });
    expect(await h.ok(["ls"])).toMatch(/inbox1\s+\d+\s+running\s+0\s+80x24\s+\S+ ago\s+\S+ ago\s+2\s+-\s+cat/);
  });

  test("create, attach, detach, kill and rm are audited; metrics count sessions by state", async () => {
    await h.ok(["new", "au", "--", "sh", "-c", "read x; exit 2"]);
    await h.ok(["type", "au", "--enter"]);
    await h.ok(["wait", "au", "--exit", "--timeout", "5s"]);
    await h.ok(["new", "au2", "--", "cat"]);
    const metrics = await h.ok(["metrics"]);
    expect(metrics).toMatch(/^maestro_sessions\{state="running"\} 1$/m);
    expect(metrics).toMatch(/^maestro_sessions\{state="exited"\} 1$/m);
    await h.ok(["kill", "au2"]);
    await h.ok(["rm", "au2"]);
    const audit = JSON.parse(await h.ok(["audit", "--json"])) as { action: string; target: string; actor: string }[];
    const mine = audit.filter((e) => e.target === "au2").map((e) => e.action);
    expect(mine).toEqual(["session.rm", "session.kill", "session.new"]);
    expect(audit.every((e) => e.actor === "operator")).toBe(true);
  });

  test("without a command, new runs $SHELL", async () => {
    await h.ok(["new", "dflt"], { env: { SHELL: "/bin/sh" } });
    expect((await ls())[0]).toMatchObject({ name: "dflt", command: ["/bin/sh"], state: "running" });
  });

  test("--cwd, --log, --notify and --restart are applied", async () => {
    await h.ok(["new", "lg", "--cwd", "/tmp", "--log", "--notify", "inject", "--", "sh", "-c", "pwd; echo logged-line; exec cat"]);
    await h.ok(["wait", "lg", "--match", "logged-line", "--timeout", "5s"]);
    expect(await h.ok(["peek", "lg"])).toMatch(/^\/tmp\nlogged-line/);
    expect((await ls())[0]).toMatchObject({ notify: "inject" });
    const log = join(h.home, "logs", "lg.log");
    await waitFor(() => existsSync(log) && readFileSync(log, "utf8").includes("logged-line"));
    // a later session of the same name appends to the same log
    await h.ok(["rm", "--force", "lg"]);
    await h.ok(["new", "lg", "--log", "--", "sh", "-c", "echo second-run; exec cat"]);
    await waitFor(() => readFileSync(log, "utf8").includes("second-run"));
    expect(readFileSync(log, "utf8")).toMatch(/logged-line[\s\S]*second-run/);
  });

  test("--restart on-failure respawns with backoff; kill stops it", async () => {
    await h.ok(["new", "rs", "--restart", "on-failure", "--", "sh", "-c", "echo run; sleep 0.05; exit 1"]);
    await waitFor(async () => ((await ls())[0]!.restarts as number) >= 2, 10_000);
    await h.run(["kill", "rs"]);
    const before = (await ls())[0]!.restarts;
    await h.ok(["wait", "rs", "--exit", "--timeout", "5s"]);
    // A restart can only come from one scheduled now. A second wait answers at once only if
    // none is (it would wait for the restarted run otherwise, and time out with 4).
    expect((await h.run(["wait", "rs", "--exit", "--timeout", "2s"])).code).toBe(0);
    expect((await ls())[0]).toMatchObject({ state: "exited", restarts: before });
  });

  test("kill between two --restart runs stops the respawn (it used to refuse: 'already exited')", async () => {
    await h.ok(["new", "rb", "--restart", "on-failure", "--", "sh", "-c", "exit 1"]);
    // Three quick failures: the next respawn is 2 s away, so the kill lands between two runs.
    await waitFor(async () => {
      const [s] = await ls();
      return (s!.restarts as number) >= 3 && s!.state === "exited";
    }, 15_000);
    const before = (await ls())[0]!.restarts;
    const killed = await h.run(["kill", "rb", "--json"]);
    expect(killed.code).toBe(0);
    expect(JSON.parse(killed.stdout)).toMatchObject({ name: "rb", exited: true });
    // As above: a wait answers at once only while no respawn is scheduled.
    expect((await h.run(["wait", "rb", "--exit", "--timeout", "3s"])).code).toBe(0);
    expect((await ls())[0]).toMatchObject({ state: "exited", restarts: before });
  });

  test("type writes text and named keys; peek prints the screen, --lines adds history, --ansi keeps colours", async () => {
    await h.ok(["new", "t", "--", "cat", "-A"]);
    await h.ok(["type", "t", "abc", "--key", "Tab", "--enter"]);
    await h.ok(["wait", "t", "--match", "abc\\^I\\$", "--timeout", "5s"]);
    expect(await h.ok(["peek", "t"])).toBe("abc\nabc^I$\n"); // the echoed tab moves the cursor; cat -A shows it
    await h.ok(["type", "t", "-", "--enter"], { stdin: "from stdin" });
    await h.ok(["wait", "t", "--match", "^from stdin\\$$", "--timeout", "5s"]);
    await h.ok(["type", "t", "--key", "C-c"]);
    await h.ok(["wait", "t", "--exit", "--timeout", "5s"]);
    expect((await ls())[0]).toMatchObject({ state: "exited", signal: "SIGINT" });

    await h.ok(["new", "c", "--", "sh", "-c", "seq 1 100; printf '\\033[31mred\\033[0m\\n'; exec cat"]);
    await h.ok(["wait", "c", "--match", "red", "--timeout", "5s"]);
    const screen = (await h.ok(["peek", "c"])).split("\n");
    expect(screen[0]).toBe("79"); // 79–100, red, and the empty line the cursor is on
    expect((await h.ok(["peek", "c", "--lines", "5"])).split("\n")[0]).toBe("74");
    expect(await h.ok(["peek", "c", "--ansi"])).toContain("\x1b[0;31mred\x1b[0m");
  });

  test("wait: --idle, --exit with the code, --match, and --timeout exits 4", async () => {
    await h.ok(["new", "wt", "--", "sh", "-c", "echo ready; read x; exit 7"]);
    expect(await h.ok(["wait", "wt", "--match", "rea+dy", "--timeout", "5s"])).toBe("ready\n");
    await h.ok(["wait", "wt", "--idle", "100ms", "--timeout", "5s"]);
    const r = await h.run(["wait", "wt", "--match", "never", "--timeout", "200ms"]);
    expect(r.code).toBe(4);
    oneLine(r.stderr);
    await h.ok(["type", "wt", "--enter"]);
    expect(await h.ok(["wait", "wt", "--exit", "--timeout", "5s"])).toBe("exited: code 7\n");
    expect(JSON.parse(await h.ok(["wait", "wt", "--exit", "--json"]))).toEqual({ type: "exit", code: 7, signal: null });
  });

  test("kill sends SIGHUP by default, or --signal; the session stays as exited until rm", async () => {
    await h.ok(["new", "k", "--", "sleep", "1000"]);
    expect(await h.ok(["kill", "k", "--signal", "TERM"])).toBe("k: SIGTERM sent; it exited\n");
    expect((await ls())[0]).toMatchObject({ state: "exited", signal: "SIGTERM", exit_code: null });
    expect((await h.ok(["ls"]))).toMatch(/exited \(SIGTERM\)/);
    expect(await h.ok(["rm", "k"])).toBe("removed k\n");
    expect(await ls()).toEqual([]);
  });

  test("rm keeps the identity and its messages; a new session of that name is that identity again", async () => {
    await h.ok(["new", "id", "--", "cat"]);
    await h.ok(["rm", "--force", "id"]);
    await h.ok(["send", "id", "kept for later"]); // the identity outlives the session: no exit 3
    const out = join(h.home, "id-again.json");
    await h.ok(["new", "id", "--", "sh", "-c", `${BIN} whoami --json > ${out}.tmp && mv ${out}.tmp ${out}; exec cat`]);
    await waitFor(() => existsSync(out));
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ name: "id", kind: "session" });
    expect((await ls()).find((s) => s.name === "id")).toMatchObject({ unread: 1 });
  });
});

describe("sessions: bad input", () => {
  test("an unknown session: exit 3, one line, for every verb", async () => {
    for (const args of [["kill", "nope"], ["rm", "nope"], ["type", "nope", "x"], ["peek", "nope"], ["wait", "nope", "--exit"]]) {
      const r = await h.run(args);
      expect(r.code, args.join(" ")).toBe(3);
      expect(r.stderr).toBe('maestro: no session named "nope"; see `maestro ls`\n');
    }
  });

  test("a name already in use: exit 2, the first session untouched", async () => {
    await h.ok(["new", "dup", "--", "cat"]);
    const pid = (await ls())[0]!.pid;
    const r = await h.run(["new", "dup", "--", "sleep", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a session named "dup" already exists/);
    expect(await ls()).toHaveLength(1);
    expect((await ls())[0]!.pid).toBe(pid);
  });

  test("an invalid name, a reserved name, or an agent's name", async () => {
    for (const name of ["bad name", "-x", "a/b", "x".repeat(65), "operator"]) {
      const r = await h.run(["new", name, "--", "cat"]);
      expect(r.code, name).toBe(2);
      oneLine(r.stderr);
    }
    await h.ok(["register", "agent1"]);
    const r = await h.run(["new", "agent1", "--", "cat"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/"agent1" is already the name of an agent identity/);
    expect(await ls()).toEqual([]);
  });

  test("a command that does not exist: a clear error and nothing half-made (no session, no identity)", async () => {
    for (const cmd of ["no-such-command-xyz", "/no/such/path", "./relative-nothing"]) {
      const r = await h.run(["new", "ghost", "--", cmd]);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr).toMatch(/command not found/);
      oneLine(r.stderr);
    }
    const dir = await h.run(["new", "ghost", "--cwd", "/no/such/dir", "--", "cat"]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/--cwd .* is not a directory/);
    expect(await ls()).toEqual([]);
    // no identity was minted for it either: a registered agent may take the name
    await h.ok(["register", "ghost"]);
  });

  test("bad flag values: --restart, --notify, --env, --signal, --lines, durations, regexes, keys", async () => {
    await h.ok(["new", "b", "--", "cat"]);
    const cases: [string[], RegExp][] = [
      [["new", "b2", "--restart", "sometimes", "--", "cat"], /--restart must be one of no, on-failure, always/],
      [["new", "b2", "--notify", "shout", "--", "cat"], /--notify must be one of none, inject/],
      [["new", "b2", "--env", "NOEQUALS", "--", "cat"], /--env "NOEQUALS": expected K=V/],
      [["new", "b2", "cat"], /put the command after --/],
      [["kill", "b", "--signal", "FROB"], /unknown signal "FROB"/],
      [["peek", "b", "--lines", "many"], /--lines must be a whole number/],
      [["wait", "b", "--idle", "soon"], /--idle: invalid duration "soon"/],
      [["wait", "b"], /give --idle DUR, --exit or --match RE/],
      [["wait", "b", "--match", "("], /--match: /],
      [["type", "b", "--key", "Hyper-Q"], /unknown key "Hyper-Q"/],
      [["type", "b"], /nothing to type/],
      [["rm", "b"], /is still running; `maestro kill b` first, or rm --force/],
    ];
    for (const [args, re] of cases) {
      const r = await h.run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(re);
      oneLine(r.stderr);
    }
    expect((await ls()).map((s) => s.name)).toEqual(["b"]);
  });

  test("type into an exited session, kill of an exited one: exit 2 with what to do", async () => {
    await h.ok(["new", "ex", "--", "true"]);
    await h.ok(["wait", "ex", "--exit", "--timeout", "5s"]);
    const t = await h.run(["type", "ex", "hello"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/session "ex" has exited; nothing reads its input/);
    const k = await h.run(["kill", "ex"]);
    expect(k.code).toBe(2);
    expect(k.stderr).toBe('maestro: session "ex" has already exited (code 0); remove it with `maestro rm ex`\n');
  });

  test("a zero or absurd terminal size is refused on the wire", async () => {
    const c = await Client.connect({ socket: h.socket });
    try {
      for (const [cols, rows] of [[0, 24], [80, 0], [100_000, 24], [80, 100_000], [-1, 5], [1.5, 5]]) {
        await expect(c.request("new", { name: "sz", command: ["cat"], cols: cols!, rows: rows! })).rejects.toMatchObject({ code: "usage" });
      }
      await c.request("new", { name: "sz", command: ["cat"], cols: 1, rows: 1 });
      await expect(c.request("attach", { name: "sz", cols: 0, rows: 0 })).rejects.toMatchObject({ code: "usage" });
      await expect(c.request("attach", { name: "sz", cols: 5000, rows: 24 })).rejects.toMatchObject({ code: "usage" });
      await expect(c.request("resize", { stream: 99, cols: 80, rows: 24 })).rejects.toMatchObject({ code: "not_found" });
      await expect(c.request("new", { name: "sz2", command: [] })).rejects.toMatchObject({ code: "usage" });
      await expect(c.request("new", { name: "sz2", command: "cat" as unknown as string[] })).rejects.toMatchObject({ code: "usage" });
    } finally {
      c.close();
    }
    expect((await ls()).map((s) => s.name)).toEqual(["sz"]);
  });

  test("a process inside a session is that session, token or not (even after setsid)", async () => {
    const out = join(h.home, "pinned");
    const script = [
      `env -u MAESTRO_TOKEN ${BIN} whoami --json > ${out}.who`,
      `setsid -w env -u MAESTRO_TOKEN ${BIN} whoami --json > ${out}.setsid`,
      `env -u MAESTRO_TOKEN ${BIN} new sneaky -- cat 2> ${out}.new; echo "exit $?" >> ${out}.new`,
      `echo pinned-done`,
      "exec cat",
    ].join("; ");
    await h.ok(["new", "pin", "--", "sh", "-c", script]);
    await h.ok(["wait", "pin", "--match", "pinned-done", "--timeout", "10s"]);
    expect(JSON.parse(readFileSync(`${out}.who`, "utf8"))).toMatchObject({ name: "pin", kind: "session" });
    expect(JSON.parse(readFileSync(`${out}.setsid`, "utf8"))).toMatchObject({ name: "pin", kind: "session" });
    expect(readFileSync(`${out}.new`, "utf8")).toMatch(/only the operator may create sessions; pin is a session\nexit 6\n/);
    expect((await ls()).map((s) => s.name)).toEqual(["pin"]);
  });

  test("a session identity may look at others but not drive them; it may drive itself", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = join(h.home, "actor-out");
    const tries = [["kill", "victim"], ["type", "victim", "x"], ["rm", "--force", "victim"], ["new", "other", "--", "cat"], ["peek", "victim"], ["ls"], ["type", "actor", "self", "--enter"]];
    const script = tries.map((args, i) => `${BIN} ${args.join(" ")} > /dev/null 2> ${d}.${i}.err; echo $? > ${d}.${i}`).join("; ");
    await h.ok(["new", "actor", "--", "sh", "-c", `${script}; touch ${d}.done; exec cat`]);
    await waitFor(() => existsSync(`${d}.done`));
    const codes = tries.map((_, i) => Number(readFileSync(`${d}.${i}`, "utf8")));
    expect(codes).toEqual([6, 6, 6, 6, 0, 0, 0]);
    for (const i of [0, 1, 2, 3]) oneLine(readFileSync(`${d}.${i}.err`, "utf8"));
    expect((await ls()).every((s) => s.state === "running")).toBe(true);
  });
});
