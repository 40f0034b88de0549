/**
 * One runaway client cannot lock everyone out: caps per identity and per process, and slots
 * beyond daemon.max_connections that only the operator outside sessions may take. Refusals name
 * the limit, are audited, and `daemon status` says the daemon runs (and is full) rather than
 * "not running". Small configured caps keep it fast.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import { encodeJson } from "../src/protocol/messages.ts";
import { PROTOCOL_VERSION } from "../src/protocol/version.ts";
import { BIN, RawPeer, TestHome, waitFor } from "./helpers.ts";
import { register } from "./msg-helpers.ts";

/** A raw connection that said hello (with a token: that identity) and was welcomed. */
async function helloAs(h: TestHome, token?: string): Promise<RawPeer> {
  const p = await RawPeer.connect(h.socket);
  p.write(encodeJson(FrameKind.HELLO, { protocol: PROTOCOL_VERSION, client: "caps-test", ...(token ? { token } : {}) }));
  return p;
}

async function welcomed(h: TestHome, token?: string): Promise<RawPeer> {
  const p = await helloAs(h, token);
  await p.next(FrameKind.WELCOME);
  return p;
}

/** Whether a fresh connection (as `token`) is welcomed now; it is closed either way. */
async function admitted(h: TestHome, token?: string): Promise<boolean> {
  const p = await helloAs(h, token);
  await waitFor(() => p.frames.length > 0 || p.closed);
  const ok = p.frames[0]?.kind === FrameKind.WELCOME;
  p.end();
  await p.waitClosed();
  return ok;
}

async function refused(h: TestHome, token?: string): Promise<Record<string, unknown>> {
  const p = await helloAs(h, token);
  const e = await p.next(FrameKind.ERROR);
  await p.waitClosed();
  return e;
}

describe("caps per identity, the global cap, and the operator's reserve", () => {
  let h: TestHome;
  let pid: number;
  const peers: RawPeer[] = [];
  let a1: string;
  let a2: string;
  let a3: string;
  beforeAll(async () => {
    h = new TestHome({
      config: "[daemon]\nmax_connections = 6\n[limits]\nmax_connections_per_identity = 3\nmax_connections_per_process = 20\noperator_reserved_connections = 3\n",
    });
    pid = await h.start();
    [a1, a2, a3] = [await register(h, "a1"), await register(h, "a2"), await register(h, "a3")];
  });
  afterAll(async () => {
    for (const p of peers) p.end();
    await h.cleanup();
  });

  test("an identity at its cap is refused naming the limit (exit 6); others are not", async () => {
    for (let i = 0; i < 3; i++) peers.push(await welcomed(h, a1));
    const e = await refused(h, a1);
    expect(e).toMatchObject({ code: "rate_limited", exit: 6, fatal: true });
    expect(e.message).toContain("a1 already holds 3 connections (limits.max_connections_per_identity)");

    const r = await h.run(["whoami"], { env: { MAESTRO_TOKEN: a1 } });
    expect(r.code).toBe(6);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`the daemon (pid ${pid}) refused this connection: a1 already holds 3 connections (limits.max_connections_per_identity)`);

    // `daemon status` as that identity: running (with its pid) and full, never "not running".
    const st = await h.run(["daemon", "status"], { env: { MAESTRO_TOKEN: a1 } });
    expect(st.code).toBe(6);
    expect(st.stdout).toContain(`running  pid ${pid}, full for this connection:`);
    expect(st.stdout).not.toContain("not running");

    expect((await h.ok(["whoami", "--json"], { env: { MAESTRO_TOKEN: a2 } })).includes('"a2"')).toBe(true);
  });

  test("past daemon.max_connections only the operator outside sessions gets in", async () => {
    for (let i = 0; i < 3; i++) peers.push(await welcomed(h, a2)); // 6 of 6
    const e = await refused(h, a3);
    expect(e).toMatchObject({ code: "unavailable", exit: 5 });
    expect(e.message).toContain(`the daemon (pid ${pid}) is running but full: 6 connections are in use (daemon.max_connections)`);

    const st = await h.run(["daemon", "status", "--json"], { env: { MAESTRO_TOKEN: a3 } });
    expect(JSON.parse(st.stdout)).toMatchObject({ running: true, pid, full: true, limit: "daemon.max_connections" });

    // The operator: its CLI verbs are served from the reserve.
    expect(JSON.parse(await h.ok(["status", "--json"])).pid).toBe(pid);
    expect(await h.ok(["daemon", "status"])).toContain(`pid ${pid}`);

    // A tokenless process inside a session is that session, not the operator: no reserve for it.
    const out = join(h.home, "pinned.txt");
    await h.ok(["new", "pinned", "--", "sh", "-c", `env -u MAESTRO_TOKEN ${BIN} whoami > ${out}.tmp 2>&1; echo "exit $?" >> ${out}.tmp; mv ${out}.tmp ${out}; sleep 30`]);
    await waitFor(() => existsSync(out));
    const pinned = readFileSync(out, "utf8");
    expect(pinned).toContain("is running but full");
    expect(pinned).toContain("exit 5");
  });

  test("the reserve itself is bounded, refusals hold no slot, and they are audited", async () => {
    const ops = [await welcomed(h), await welcomed(h), await welcomed(h)]; // 9 = 6 + 3 reserved
    const e = await refused(h);
    expect(e.message).toContain("are all in use");
    for (const p of ops) p.end();
    await waitFor(async () => (await h.run(["status"])).code === 0);
    // Many refusals later, a freed slot is still there for the identity.
    for (let i = 0; i < 10; i++) await refused(h, a1);
    const gone = peers.shift()!; // one of a1's
    gone.end();
    await gone.waitClosed();
    await waitFor(() => admitted(h, a1));
    const audit = JSON.parse(await h.ok(["audit", "--json"])) as { actor: string; action: string; target: string; outcome: string; detail: string }[];
    const denied = audit.filter((r) => r.action === "connect" && r.outcome === "denied");
    expect(denied.some((r) => r.actor === "a1" && r.target === "limits.max_connections_per_identity")).toBe(true);
    expect(denied.some((r) => r.actor === "a3" && r.target === "daemon.max_connections")).toBe(true);
  });

  test("daemon stop still works while the daemon is full", async () => {
    expect((await h.ok(["daemon", "stop", "--force"])).trim()).toBe(`daemon stopped (pid ${pid})`);
  });
});

describe("cap per process", () => {
  let h: TestHome;
  beforeAll(async () => {
    h = new TestHome({ config: "[limits]\nmax_connections_per_process = 3\n" });
    await h.start();
  });
  afterAll(() => h.cleanup());

  test("one process past its cap is refused at accept, naming its pid; other processes are served", async () => {
    // Silent connections count too: the cap is checked before any byte is read.
    const silent = await Promise.all([1, 2, 3].map(() => RawPeer.connect(h.socket)));
    const e = await refused(h);
    expect(e).toMatchObject({ code: "rate_limited", exit: 6 });
    expect(e.message).toContain(`process ${process.pid} already holds 3 connections (limits.max_connections_per_process)`);
    expect(JSON.parse(await h.ok(["status", "--json"])).pid).toBe(h.daemonPid());
    // A closed connection gives its slot back.
    silent[0]!.end();
    await silent[0]!.waitClosed();
    await waitFor(() => admitted(h));
    for (const p of silent) p.end();
  });
});
