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

async function rig(config: Partial<InjectConfig>, command: string[], ready?: string, owed: PendingMessage[] = [M1]) {
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
    { owed: () => owed, subscribe: () => () => {}, delivered: async (ids) => void delivered.push(ids), log: () => {} },
  );
  session.injector = injector;
  /** Banners shown (their ids) and cleared, in order. */
  const banners: (string[] | "cleared")[] = [];
  session.showBanner = (b) => void banners.push(b.ids);
  session.clearBanner = () => void banners.push("cleared");
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
  /** Moves the fake clock until `cond`, letting the PTY's real output in between. */
  const advanceUntil = async (cond: () => boolean, what: string) => {
    for (let i = 0; !cond(); i++) {
      if (i > 1000) throw new Error(`never happened: ${what}`);
      vi.advanceTimersByTime(10);
      await Bun.sleep(2);
    }
  };
  return { session, injector, writes, delivered, noticed, completes, advanceUntil, banners, out: () => out };
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

const URGENT: PendingMessage = { id: "01JTESTURG1", from: "ops", subject: "prod is down", body: "", priority: "urgent" };
const HIGH: PendingMessage = { id: "01JTESTHIG1", from: "lead", subject: "review", body: "", priority: "high" };

describe("bounds, priority and quiet programs", () => {
  test("held past max_hold_ms by a half-typed line: the clients are told (banner), nothing is typed; the notice follows at the next opening and the banner goes", async () => {
    const r = await rig({ typing_ms: 200, max_hold_ms: 300, max_hold_high_ms: 300, max_hold_urgent_ms: 300 }, ["cat"]);
    r.injector.start();
    r.injector.input("half a li");
    vi.advanceTimersByTime(300 - TICK);
    expect(r.banners).toEqual([]);
    expect(r.injector.waitingFor).toBe("half_typed_line");
    vi.advanceTimersByTime(2 * TICK);
    expect(r.banners).toEqual([[M1.id]]);
    expect(r.noticed()).toBe(false); // told, not typed: the line stays the person's
    expect(r.injector.toldIds).toEqual([M1.id]);
    vi.advanceTimersByTime(60_000);
    expect(r.banners).toEqual([[M1.id], "cleared"]); // banner_ms (5 s) passed; told once only
    expect(r.noticed()).toBe(false);
    r.injector.input("ne\r"); // the line ends: typing_ms later, the notice
    vi.advanceTimersByTime(TICK);
    expect(r.injector.waitingFor).toBe("typing");
    await r.advanceUntil(r.noticed, "the notice after the line");
    await r.completes();
    expect(r.injector.waitingFor).toBeNull();
  });

  test("urgent is told at once (bound 0) while a person types, listed first, and goes first in the notice; its delivery takes the banner down", async () => {
    const r = await rig({ typing_ms: 1000, max_hold_ms: 60_000, max_hold_high_ms: 10_000, max_hold_urgent_ms: 0 }, ["cat"], undefined, [M1, HIGH, URGENT]);
    r.injector.start();
    r.injector.input("x\r");
    vi.advanceTimersByTime(TICK);
    expect(r.banners).toEqual([[URGENT.id, HIGH.id, M1.id]]);
    expect(r.noticed()).toBe(false);
    await r.advanceUntil(() => r.writes.some((w) => w.includes("maestro: 3 new messages")), "the notice");
    const text = r.writes.find((w) => w.includes("maestro: 3 new messages"))!;
    expect(text).toContain(`urgent ${URGENT.id} from ops: prod is down -- high ${HIGH.id} from lead: review -- ${M1.id} from alice`);
    await r.advanceUntil(() => r.delivered.length > 0, "the delivery");
    expect(r.delivered).toEqual([[URGENT.id, HIGH.id, M1.id]]);
    expect(r.banners.at(-1)).toBe("cleared");
  });

  test("high waits on max_hold_high_ms, normal on max_hold_ms", async () => {
    const r = await rig({ typing_ms: 100, max_hold_ms: 2000, max_hold_high_ms: 500, max_hold_urgent_ms: 0 }, ["cat"], undefined, [HIGH]);
    r.injector.start();
    r.injector.input("half");
    vi.advanceTimersByTime(500 - TICK);
    expect(r.banners).toEqual([]);
    vi.advanceTimersByTime(2 * TICK);
    expect(r.banners).toEqual([[HIGH.id]]);
  });

  test("a quiet program that echoes the notice and ends the line has taken it, with nothing more said", async () => {
    // dd reads its input and prints nothing: only the terminal's echo (the notice, then CR LF).
    const r = await rig({ enter_retries: 0, confirm_ms: 2000 }, ["dd", "of=/dev/null", "status=none"]);
    r.injector.start();
    vi.advanceTimersByTime(TICK);
    expect(r.noticed()).toBe(true);
    await r.completes();
    expect(r.writes.filter((w) => w === "\r")).toHaveLength(1); // no second Enter was needed
  });

  test("ls's reasons: output while the program talks, retry after a notice not taken", async () => {
    // Prints nothing and does not echo (raw): the notice is not taken.
    const r = await rig({ quiet_ms: 300, enter_retries: 0, confirm_ms: 200 }, ["sh", "-c", "stty raw -echo; printf ready; exec sleep 60"], "ready");
    r.injector.start();
    expect(r.injector.waitingFor).toBe("output");
    await r.advanceUntil(r.noticed, "the notice");
    await r.advanceUntil(() => r.injector.waitingFor === "retry", "the retry wait");
    expect(r.delivered).toEqual([]);
  });
});
