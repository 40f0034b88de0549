/**
 * Notices typed into a session's PTY (SPEC §7, `--notify inject`), against a fake agent TUI
 * (fixtures/fake-agent.ts) running under the real daemon in a real PTY: what reaches the agent is
 * what it logs, one JSON line per submitted input line.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { BIN, TestHome, waitFor } from "./helpers.ts";
import { as, expectFailure, register, send } from "./msg-helpers.ts";
import { type Entry, noticeIds, prng, readEntries } from "./fixtures/agent-log.ts";
import { Tty } from "./tty.ts";

const AGENT = join(import.meta.dirname, "fixtures", "fake-agent.ts");
const ENTER_RETRIES = 2;
/** Timings scaled down so a notice cycle takes a few hundred ms. */
const CONFIG = `
[inject]
quiet_ms = 150
typing_ms = 400
confirm_ms = 150
enter_retries = ${ENTER_RETRIES}
retry_ms = 300
`;

const homes: TestHome[] = [];
const ttys: Tty[] = [];
afterEach(async () => {
  for (const t of ttys.splice(0)) t.dispose();
  for (const h of homes.splice(0)) await h.cleanup();
});

async function home(): Promise<TestHome> {
  const h = new TestHome({ config: CONFIG });
  homes.push(h);
  await h.start();
  return h;
}

/**
 * Starts the fake agent in session `name` with `--notify inject` and waits until its terminal is
 * raw (before that the PTY would echo a notice itself): its first prompt, or the file the silent
 * modes write.
 */
async function agent(h: TestHome, name: string, args: string[] = []): Promise<string> {
  const log = join(h.home, `${name}.agent.log`);
  const ready = join(h.home, `${name}.ready`);
  await h.ok(["new", name, "--notify", "inject", "--", process.execPath, AGENT, "--log", log, "--ready", ready, ...args]);
  if (args.includes("--count-only") || args.includes("--never-read")) await waitFor(() => existsSync(ready));
  else await h.ok(["wait", name, "--match", "fake-agent ready", "--timeout", "10s"]);
  return log;
}

/** The operator's peek at NAME's inbox (marks nothing), all of it. */
async function inboxOf(h: TestHome, name: string): Promise<MessageView[]> {
  return JSON.parse(await h.ok(["inbox", name, "--json", "--limit", "1000"])) as MessageView[];
}

async function session(h: TestHome, name: string): Promise<Record<string, unknown>> {
  const all = JSON.parse(await h.ok(["ls", "--json"])) as Record<string, unknown>[];
  return all.find((s) => s.name === name)!;
}

/** Sends as the identity with `token` (the operator without one); the new message's id. */
async function sendAs(h: TestHome, token: string | undefined, to: string, body: string, subject?: string): Promise<string> {
  const args = [to, body, ...(subject === undefined ? [] : ["--subject", subject])];
  if (token !== undefined) return send(h, token, args);
  return (JSON.parse(await h.ok(["send", ...args, "--json"])) as { id: string }).id;
}

/**
 * Splits the log into notices and other lines, and checks the notices: each a whole line of its
 * own with nothing else in it (no control characters or escape sequences either), every id in
 * exactly one of them. Returns the other lines and the notices' ids in order.
 */
function audit(log: Entry[], name: string): { ids: string[]; others: Entry[]; notices: Entry[] } {
  const ids: string[] = [];
  const others: Entry[] = [];
  const notices: Entry[] = [];
  for (const e of log) {
    const found = noticeIds(e.line, name);
    if (found) {
      expect(e.ctl, `control input inside a notice: ${JSON.stringify(e)}`).toBe(0);
      ids.push(...found);
      notices.push(e);
    } else {
      others.push(e);
    }
  }
  return { ids, others, notices };
}

const sorted = (a: string[]) => [...a].sort();

describe("inject", () => {
  test("100 messages, many sent while the agent is busy: each id reaches it once, on a notice line of its own; all end delivered", async () => {
    const h = await home();
    const log = await agent(h, "w1", ["--seed", "11"]);
    const boss = await register(h, "boss");
    const rand = prng(7);
    const sent: string[] = [];
    for (let burst = 0; burst < 10; burst++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const k = burst * 10 + i;
          // Some subjects carry control characters, some messages have only a body (with a line break).
          if (k % 7 === 0) return sendAs(h, boss, "w1", `body ${k}`, `task ${k}\x1b[31m red\x07\ttab`);
          if (k % 5 === 0) return sendAs(h, boss, "w1", `body of ${k}\nwith a second line`);
          return sendAs(h, boss, "w1", `body ${k}`, `task ${k}`);
        }),
      );
      sent.push(...batch);
      // Pacing of the workload (not a wait for an event): bursts land at random points of the
      // agent's busy/idle cycle.
      await Bun.sleep(Math.floor(rand() * 700));
    }
    const allIn = () => {
      const text = existsSync(log) ? readFileSync(log, "utf8") : "";
      return sent.every((id) => text.includes(id));
    };
    await waitFor(allIn, 20_000);
    const { ids, others, notices } = audit(readEntries(log), "w1");
    expect(others, "lines that are not exactly one notice").toEqual([]);
    expect(sorted(ids)).toEqual(sorted(sent)); // each id exactly once
    expect(notices.every((e) => !e.pasted)).toBe(true); // no bracketed paste unless enabled
    // Several pending messages share a notice.
    expect(notices.length).toBeLessThan(sent.length);
    // The stripped subject still reads as text.
    expect(notices.some((e) => e.line.includes(": task 0 31m red tab"))).toBe(true);
    await waitFor(async () => (await inboxOf(h, "w1")).filter((m) => m.status === "delivered").length === sent.length, 5_000);
    expect((await inboxOf(h, "w1")).map((m) => m.status)).toEqual(sent.map(() => "delivered"));
    expect(await session(h, "w1")).toMatchObject({ pending_notices: 0 });
  }, 40_000);

  test("a person typing slowly through an attached client: their lines and every notice reach the agent intact", async () => {
    const h = await home();
    const log = await agent(h, "w2", ["--seed", "22"]);
    const boss = await register(h, "boss");
    const t = new Tty(h, ["attach", "w2"]);
    ttys.push(t);
    await t.waitScreen(/fake-agent ready/);
    const rand = prng(9);
    const lines = Array.from({ length: 4 }, (_, i) => `human line ${i} abc xyz`);
    const sending: Promise<string>[] = [];
    const sendOne = (k: string) => sending.push(sendAs(h, boss, "w2", `body ${k}`, `task ${k}`));
    // A person's pace (the workload, not waits for events): keys 30–120 ms apart; every sixth,
    // a pause to think of 200–350 ms (longer than quiet_ms, shorter than typing_ms); in each
    // line one of 700 ms (longer than typing_ms, but the line is half-typed). Messages arrive as
    // a line starts, so they are pending all through it: no notice may start mid-line. Between
    // lines, 900–1400 ms: time enough for notices, and more messages arrive then too.
    for (const [i, line] of lines.entries()) {
      for (const [j, ch] of [...line].entries()) {
        t.type(ch);
        if (j === 0) for (let n = 0; n < 1 + (i % 2); n++) sendOne(`${i}.${n}`);
        const think = j === 9 ? 700 : j % 6 === 5 ? 200 + rand() * 150 : 30 + rand() * 90;
        await Bun.sleep(Math.floor(think));
      }
      t.type("\r");
      if (i % 2 === 0) sendOne(`${i}.after`);
      await Bun.sleep(900 + Math.floor(rand() * 500));
    }
    const typistDone = Date.now();
    const sent = await Promise.all(sending);
    await waitFor(() => {
      const text = existsSync(log) ? readFileSync(log, "utf8") : "";
      return sent.every((id) => text.includes(id)) && lines.every((l) => text.includes(l));
    }, 15_000);
    const { ids, others, notices } = audit(readEntries(log), "w2");
    // Every typed line arrived whole, once, as typed: no notice inside it, nothing lost.
    expect(others.map((e) => ({ line: e.line, pasted: e.pasted, ctl: e.ctl }))).toEqual(lines.map((line) => ({ line, pasted: false, ctl: 0 })));
    expect(sorted(ids)).toEqual(sorted(sent));
    // Notices came between the person's lines, not only once they stopped typing.
    expect(notices.some((e) => e.at < typistDone)).toBe(true);
    await waitFor(async () => (await inboxOf(h, "w2")).every((m) => m.status === "delivered"), 5_000);
  }, 45_000);

  test("typing through `maestro type` holds a notice back for typing_ms; a half-typed line holds it until the line ends", async () => {
    const h = await home();
    // Short busy spells, no spontaneous ones: the program is quiet again soon after each line.
    const log = await agent(h, "w6", ["--busy", "0-0", "--idle", "0"]);
    const t0 = Date.now();
    await h.ok(["type", "w6", "hello there", "--enter"]);
    const id = await sendAs(h, undefined, "w6", "one");
    await waitFor(() => readEntries(log).length === 2);
    const [typed, note] = readEntries(log);
    expect(typed).toMatchObject({ line: "hello there", ctl: 0 });
    expect(noticeIds(note!.line, "w6")).toEqual([id]);
    // The program was quiet ~quiet_ms after its answer; the notice still waited for typing_ms
    // (400) after the keys, which the daemon received after t0.
    expect(note!.at - t0).toBeGreaterThanOrEqual(400);

    // A line left half-typed: nothing is typed over it. The marker: the session idle (no output)
    // for 600 ms after the keys' echo, past typing_ms (400) and quiet_ms (150) and a few ticks,
    // when every other gate was open; a notice would have been output, and this wait with it.
    await h.ok(["type", "w6", "half a li"]);
    const second = await sendAs(h, undefined, "w6", "two");
    await h.ok(["wait", "w6", "--idle", "600ms", "--timeout", "10s"]);
    expect(readEntries(log)).toHaveLength(2);
    expect((await inboxOf(h, "w6")).find((m) => m.id === second)?.status).toBe("queued");
    // The person finishes the line: it is theirs alone, and the notice follows on its own line.
    await h.ok(["type", "w6", "ne", "--enter"]);
    await waitFor(() => readEntries(log).length === 4);
    const [, , theirs, next] = readEntries(log);
    expect(theirs).toMatchObject({ line: "half a line", ctl: 0 });
    expect(noticeIds(next!.line, "w6")).toEqual([second]);
  });

  test("keys a person types while a notice is being typed are held and follow it", async () => {
    const h = await home();
    const log = await agent(h, "w7", ["--busy", "0-0", "--idle", "0"]);
    // A client whose "person" reacts the instant the notice shows on screen (the agent echoes
    // it), which is while the daemon is between the notice's text and its Enter.
    let tail = "";
    let armed: string | undefined;
    const client = Bun.spawn([BIN, "attach", "w7"], {
      env: h.env,
      terminal: {
        cols: 200,
        rows: 24,
        data(term, bytes) {
          tail = (tail + Buffer.from(bytes).toString("latin1")).slice(-300);
          if (armed !== undefined && tail.includes("maestro: ")) {
            term.write(armed);
            armed = undefined;
          }
        },
      },
    });
    try {
      await waitFor(() => tail.includes("> "));
      const ids: string[] = [];
      for (let round = 0; round < 5; round++) {
        tail = "";
        armed = `typed ${round}`;
        ids.push(await sendAs(h, undefined, "w7", `round ${round}`));
        await waitFor(() => armed === undefined && readEntries(log).some((e) => e.line.includes(ids[round]!)));
        client.terminal!.write(" done\r");
        await waitFor(() => readEntries(log).some((e) => e.line === `typed ${round} done`));
      }
      const { ids: got, others } = audit(readEntries(log), "w7");
      expect(got).toEqual(ids);
      expect(others.map((e) => e.line)).toEqual([0, 1, 2, 3, 4].map((r) => `typed ${r} done`));
    } finally {
      client.kill("SIGKILL");
      await client.exited;
    }
  });

  test("a program that enabled bracketed paste receives the notice as a paste", async () => {
    const h = await home();
    const log = await agent(h, "w3", ["--paste", "--idle", "0"]);
    const id = await sendAs(h, undefined, "w3", "review PR 12", "review");
    await waitFor(() => readEntries(log).length > 0);
    const [e, ...rest] = readEntries(log);
    expect(rest).toEqual([]);
    expect(noticeIds(e!.line, "w3")).toEqual([id]);
    expect(e!.line).toContain(`${id} from operator: review --`);
    expect(e).toMatchObject({ pasted: true, ctl: 0 });
    await waitFor(async () => (await inboxOf(h, "w3"))[0]?.status === "delivered");
  });

  test("a program that never takes the notice: the message stays queued and Enter is retried a bounded number of times", async () => {
    const h = await home();
    // Reads every byte and logs it raw, but prints nothing: no notice ever looks taken.
    const raw = await agent(h, "cnt", ["--count-only"]);
    // Never reads its input at all.
    await agent(h, "nr", ["--never-read"]);
    const a = await sendAs(h, undefined, "cnt", "for the counter");
    const b = await sendAs(h, undefined, "nr", "for the deaf one");
    const bytes = () => (existsSync(raw) ? readFileSync(raw, "latin1") : "");
    const count = (s: string, what: string) => s.split(what).length - 1;
    await waitFor(() => bytes().includes(a));
    // The first attempt: the notice once, then Enter, then ENTER_RETRIES more Enters, one per
    // confirm_ms without output.
    await waitFor(() => count(bytes(), "\r") === 1 + ENTER_RETRIES, 3_000);
    expect(count(bytes(), "maestro: ")).toBe(1);
    // Now nothing may happen, however long: retry_ms (300) passes several times, but the program
    // prints nothing, and a new attempt needs new output. ~2 s is long enough to see a loop.
    await Bun.sleep(2_000);
    expect(count(bytes(), "maestro: ")).toBe(1);
    expect(count(bytes(), "\r")).toBe(1 + ENTER_RETRIES);
    expect(bytes()).not.toContain("\x1b[200~"); // no bracketed paste: the program never asked for it
    for (const [name, id] of [["cnt", a], ["nr", b]] as const) {
      expect((await inboxOf(h, name)).map((m) => [m.id, m.status])).toEqual([[id, "queued"]]);
      expect((await session(h, name)).pending_notices).toBeGreaterThanOrEqual(1);
    }
    // New output (after retry_ms has passed) allows one more attempt, as bounded as the first.
    const pid = (await session(h, "cnt")).pid as number;
    process.kill(pid, "SIGUSR1");
    await waitFor(() => count(bytes(), "maestro: ") === 2, 3_000);
    await waitFor(() => count(bytes(), "\r") === 2 * (1 + ENTER_RETRIES), 3_000);
    // Settle past the second attempt's confirm windows: no further Enter may follow.
    await Bun.sleep(3 * 150 + 300);
    expect(count(bytes(), "\r")).toBe(2 * (1 + ENTER_RETRIES));
    expect((await inboxOf(h, "cnt"))[0]?.status).toBe("queued");
  });

  test("notify none stops injection and inject resumes it; bad inputs are refused", async () => {
    const h = await home();
    const log = await agent(h, "w5", ["--idle", "0"]);
    expect(await session(h, "w5")).toMatchObject({ notify: "inject", pending_notices: 0 });
    await h.ok(["notify", "w5", "none"]);
    expect(await session(h, "w5")).toMatchObject({ notify: "none" });
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) ids.push(await sendAs(h, undefined, "w5", `held ${k}`));
    // Nothing should happen. The marker: the session idle (no output) for 400 ms, past quiet_ms
    // (150) and a few ticks; with injection on, a notice would have been output by then.
    await h.ok(["wait", "w5", "--idle", "400ms", "--timeout", "10s"]);
    expect(readEntries(log)).toEqual([]);
    expect((await inboxOf(h, "w5")).map((m) => m.status)).toEqual(["queued", "queued", "queued"]);

    // Refusals leave the mode alone.
    expectFailure(await h.run(["notify", "nosuch", "inject"]), 3, /nosuch/);
    expectFailure(await h.run(["notify", "w5", "loud"]), 2, /loud/);
    const other = await register(h, "other");
    expectFailure(await h.run(["notify", "w5", "inject"], as(other)), 6);
    expect(await session(h, "w5")).toMatchObject({ notify: "none" });

    await h.ok(["notify", "w5", "inject"]);
    expect(await session(h, "w5")).toMatchObject({ notify: "inject" });
    await waitFor(() => ids.every((id) => readEntries(log).some((e) => e.line.includes(id))));
    const { ids: got, others } = audit(readEntries(log), "w5");
    expect(others).toEqual([]);
    expect(sorted(got)).toEqual(sorted(ids));
    await waitFor(async () => (await inboxOf(h, "w5")).every((m) => m.status === "delivered"));
  });
});
