/**
 * Notices' bounded wait (SPEC §7, docs/cli.md "Notices"): while a person attached through a real
 * terminal holds a line half-typed, messages past `inject.max_hold_ms` (urgent: at once) are not
 * typed into the program; the attached client shows a banner instead, which goes away leaving the
 * client's screen equal to the program's; the notice follows at the next opening, urgent first,
 * every id exactly once, the person's line intact.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { noticeIds, readEntries } from "./fixtures/agent-log.ts";
import { Tty } from "./tty.ts";

const AGENT = join(import.meta.dirname, "fixtures", "fake-agent.ts");
const BASE = `
[inject]
quiet_ms = 150
typing_ms = 400
confirm_ms = 150
enter_retries = 2
retry_ms = 300
banner_ms = 700
desktop_notify = "osc9"
`;

const homes: TestHome[] = [];
const ttys: Tty[] = [];
afterEach(async () => {
  for (const t of ttys.splice(0)) t.dispose();
  for (const h of homes.splice(0)) await h.cleanup();
});

async function setup(bounds: string, name: string) {
  const h = new TestHome({ config: BASE + bounds });
  homes.push(h);
  await h.start();
  const log = join(h.home, `${name}.agent.log`);
  await h.ok(["new", name, "--notify", "inject", "--", process.execPath, AGENT, "--log", log, "--busy", "0-0", "--idle", "0"]);
  await h.ok(["wait", name, "--match", "fake-agent ready", "--timeout", "10s"]);
  // Wide enough that the banner's ids are not clipped away.
  const t = new Tty(h, ["attach", name], 200, 24);
  ttys.push(t);
  await t.waitScreen(/> $/m);
  return { h, log, t };
}

const lastRow = (t: Tty) => t.screen().at(-1) ?? "";
const trimEnd = (lines: string[]) => {
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 0 && out.at(-1) === "") out.pop();
  return out;
};
const send = async (h: TestHome, to: string, subject: string, priority = "normal") =>
  (JSON.parse(await h.ok(["send", to, `body of ${subject}`, "--subject", subject, "--priority", priority, "--json"])) as { id: string }).id;
const logText = (log: string) => (existsSync(log) ? readFileSync(log, "utf8") : "");

describe("a notice's bounded wait", () => {
  test("past max_hold_ms while a line is half-typed: a banner on the client, nothing typed; it goes, the screen is the program's again, and the notice follows the line", async () => {
    const { h, log, t } = await setup("max_hold_ms = 300\nmax_hold_high_ms = 300\nmax_hold_urgent_ms = 0\n", "w");
    const desktop: string[] = [];
    t.term.parser.registerOscHandler(9, (data) => (desktop.push(data), true));
    t.type("human wa");
    await t.waitScreen(/> human wa/);
    const sentAt = Date.now();
    const id = await send(h, "w", "deploy done");
    await waitFor(() => lastRow(t).includes(`maestro: 1 message for w waiting for your half-typed line: ${id} from operator: deploy done`), 5_000);
    const toldAfter = Date.now() - sentAt;
    // The bound (300 ms) plus a tick, the send's own round trip and the client's drawing.
    expect(toldAfter).toBeGreaterThanOrEqual(300);
    expect(toldAfter).toBeLessThan(2_000);
    expect(logText(log)).toBe(""); // nothing was typed into the program
    expect(desktop).toEqual([expect.stringMatching(new RegExp(`^maestro w: maestro: 1 message for w waiting .*${id}`))]);
    const ls = (JSON.parse(await h.ok(["ls", "--json"])) as Record<string, unknown>[])[0]!;
    expect(ls).toMatchObject({ pending_notices: 1, notices_waiting_for: "half_typed_line", notices_told: [id] });
    expect(await h.ok(["ls"])).toContain("1 waiting: half-typed line, 1 told");
    // The banner goes after banner_ms (700); the screen under it is the program's, as the tracker has it.
    await waitFor(() => !lastRow(t).includes("maestro:"), 5_000);
    await t.settle();
    expect(trimEnd(t.screen())).toEqual(trimEnd((await h.ok(["peek", "w"])).split("\n")));
    expect(t.screen().join("\n")).toContain("> human wa");
    // The person ends the line; the notice follows it, on a line of its own, once.
    t.type("nted this\r");
    await waitFor(() => logText(log).includes(id), 5_000);
    const entries = readEntries(log);
    expect(entries.map((e) => e.line)[0]).toBe("human wanted this");
    expect(entries.filter((e) => e.line.includes(id)).map((e) => noticeIds(e.line, "w"))).toEqual([[id]]);
    expect(entries.every((e) => e.ctl === 0)).toBe(true);
    await waitFor(async () => (JSON.parse(await h.ok(["inbox", "w", "--json"])) as { status: string }[])[0]?.status === "delivered");
  }, 30_000);

  test("urgent is told at once, listed first, and leads the notice; normal ones keep their own longer bound", async () => {
    const { h, log, t } = await setup("max_hold_ms = 60000\nmax_hold_high_ms = 30000\nmax_hold_urgent_ms = 0\n", "u");
    t.type("half");
    await t.waitScreen(/> half/);
    const normal = await send(h, "u", "lunch");
    const high = await send(h, "u", "review", "high");
    const before = (JSON.parse(await h.ok(["ls", "--json"])) as { notices_told: string[]; pending_notices: number }[])[0]!;
    expect(before).toMatchObject({ pending_notices: 2, notices_told: [] });
    const sentAt = Date.now();
    const urgent = await send(h, "u", "prod is down", "urgent");
    await waitFor(() => lastRow(t).includes(`maestro: 3 messages for u waiting for your half-typed line: urgent ${urgent} from operator: prod is down -- high ${high}`), 5_000);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(logText(log)).toBe("");
    t.type(" done\r");
    await waitFor(() => [normal, high, urgent].every((id) => logText(log).includes(id)), 5_000);
    const entries = readEntries(log);
    expect(entries[0]!.line).toBe("half done");
    const notices = entries.slice(1).map((e) => noticeIds(e.line, "u"));
    expect(notices).toEqual([[urgent, high, normal]]);
    expect(entries[1]!.line).toContain(`urgent ${urgent} from operator: prod is down -- high ${high} from operator: review -- ${normal}`);
    // Its delivery takes the banner down and the screen is redrawn.
    await waitFor(() => !lastRow(t).includes("maestro: 3 messages"), 5_000);
  }, 30_000);
});
