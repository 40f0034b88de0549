/**
 * The injector's gates, on a real PTY session running a real program, with the clock faked: time
 * moves only when a test moves it, so "no notice yet" is a fact about every tick that ran, not a
 * guess after a sleep. Output from the program is real and is awaited as it arrives.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { Injector, type InjectConfig, type PendingMessage } from "../src/pty/injector.ts";
import { Session } from "../src/pty/session.ts";

const TICK = 50; // injector.ts TICK_MS
const M1: PendingMessage = { id: "01JTESTMSG1", from: "alice", subject: "build is green", body: "", priority: "normal" };

const BASE: InjectConfig = {
  quiet_ms: 0, typing_ms: 0, confirm_ms: 2000, enter_retries: 0, retry_ms: 60_000, hold_for: ["sh"],
  max_hold_ms: 3_600_000, max_hold_high_ms: 3_600_000, max_hold_urgent_ms: 3_600_000, banner_ms: 5000, desktop_notify: "off",
};

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Real time passes (fake timers do not touch Bun.sleep): for awaiting the PTY's output. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 2000) throw new Error(`never happened: ${what}`);
    await Bun.sleep(2);
  }
}

async function rig(config: Partial<InjectConfig>, command: string[], ready?: string) {
  const session = new Session(
    { name: "agent", command, cwd: "/tmp", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color" }, notify: "inject", restart: "no", cols: 200, rows: 24 },
    { ring_bytes: 64 * 1024, scrollback_lines: 100, log_max_bytes: 1024 * 1024, log_keep: 1 },
    () => {},
  );
  let out = "";
  session.on((e) => {
    if (e.type === "output") out += new TextDecoder().decode(e.bytes);
  });
  /** Everything written into the PTY, in order: keystrokes passed through, notices, Enters. */
  const writes: string[] = [];
  const write = session.write.bind(session);
  session.write = (b) => {
    writes.push(typeof b === "string" ? b : new TextDecoder().decode(b));
    write(b);
  };
  session.spawn();
  cleanups.push(() => session.destroy(0));
  if (ready) await until(() => out.includes(ready), `the program printed ${ready}`);
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  const delivered: string[][] = [];
  const injector = new Injector(
    session,
    { ...BASE, ...config },
    { owed: () => [M1], subscribe: () => () => {}, delivered: async (ids) => void delivered.push(ids), log: () => {} },
  );
  session.injector = injector;
  cleanups.push(() => injector.stop());
  const noticed = () => writes.some((w) => w.includes(`maestro: 1 new message for agent: ${M1.id}`));
  /** After a notice was typed: its echo, Enter, the program's answer, the delivery. */
  const completes = async () => {
    await until(() => out.includes(`maestro read ${M1.id}`), "the notice's echo");
    for (let i = 0; delivered.length === 0; i++) {
      if (i > 150) throw new Error("the notice was never confirmed");
      vi.advanceTimersByTime(10);
      await Bun.sleep(2);
    }
    expect(delivered).toEqual([[M1.id]]);
  };
  return { session, injector, writes, delivered, noticed, completes, out: () => out };
}

describe("the injector's gates", () => {
  test("quiet: no notice until the program has been silent quiet_ms; its output restarts the wait", async () => {
    const r = await rig({ quiet_ms: 300 }, ["cat"]);
    r.injector.start();
    expect(r.injector.waiting).toBe(1);
    vi.advanceTimersByTime(300 - TICK);
    expect(r.noticed()).toBe(false);
    r.session.write("ping\r"); // the program answers: output now
    await until(() => r.out().includes("ping\r\nping\r\n"), "cat's echo and answer");
    vi.advanceTimersByTime(300 - TICK); // past 300 since start, not since the output
    expect(r.noticed()).toBe(false);
    vi.advanceTimersByTime(2 * TICK);
    expect(r.noticed()).toBe(true);
    await r.completes();
    expect(r.injector.waiting).toBe(0);
  });

  test("typing: no notice until nobody has typed for typing_ms; keystrokes pass straight through meanwhile", async () => {
    const r = await rig({ typing_ms: 1000 }, ["cat"]);
    r.injector.start();
    r.injector.input("ls\r");
    expect(r.writes).toEqual(["ls\r"]);
    vi.advanceTimersByTime(1000 - TICK);
    expect(r.noticed()).toBe(false);
    vi.advanceTimersByTime(2 * TICK);
    expect(r.noticed()).toBe(true);
    await r.completes();
  });

  test("a half-typed line holds notices however long it sits; Ctrl-U (or Enter) releases them", async () => {
    const r = await rig({ typing_ms: 100 }, ["cat"]);
    r.injector.start();
    r.injector.input("half a comm");
    vi.advanceTimersByTime(60_000);
    expect(r.noticed()).toBe(false);
    r.injector.input("\x1b[D\x1b[D"); // arrows move within the line: still half-typed
    vi.advanceTimersByTime(60_000);
    expect(r.noticed()).toBe(false);
    r.injector.input("\x15"); // Ctrl-U: the line is empty again
    vi.advanceTimersByTime(100 - TICK); // …and the typing gate still applies
    expect(r.noticed()).toBe(false);
    vi.advanceTimersByTime(2 * TICK);
    expect(r.noticed()).toBe(true);
    await r.completes();
  });

  test("arrow keys alone are not a half-typed line", async () => {
    const r = await rig({ typing_ms: 100 }, ["cat"]);
    r.injector.start();
    r.injector.input("\x1b[A\x1bOB");
    vi.advanceTimersByTime(100 + TICK);
    expect(r.noticed()).toBe(true);
    await r.completes();
  });

  test("a held program in front (here sh) keeps notices waiting and is reported; they go once another program is in front", async () => {
    const r = await rig({}, ["sh", "-c", "printf 'ready\\n'; read x; exec cat"], "ready");
    r.injector.start();
    vi.advanceTimersByTime(60_000);
    expect(r.noticed()).toBe(false);
    expect(r.injector.heldBy).toBe("sh");
    expect(r.injector.waiting).toBe(1);
    r.session.write("go\r"); // sh reads its line and becomes cat
    for (let i = 0; !r.noticed(); i++) {
      if (i > 1000) throw new Error("the notice never went once cat was in front");
      vi.advanceTimersByTime(TICK);
      await Bun.sleep(2);
    }
    await r.completes();
    expect(r.injector.heldBy).toBeNull();
  });

  test("keystrokes typed while a notice is being typed are held, then sent whole right after its Enter", async () => {
    const r = await rig({}, ["cat"]);
    r.injector.start();
    vi.advanceTimersByTime(TICK);
    expect(r.noticed()).toBe(true);
    r.injector.input("mine");
    expect(r.writes.at(-1)).not.toBe("mine"); // held, not mixed into the notice
    await r.completes();
    const notice = r.writes.findIndex((w) => w.includes(M1.id));
    expect(r.writes.slice(notice + 1)).toEqual(["\r", "mine"]);
  });
});
