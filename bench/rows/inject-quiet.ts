/**
 * Send → notice with nobody typing (SPEC §7): messages one at a time, 300–900 ms apart, to a
 * `--notify inject` session with the default [inject] timings, for several stand-ins of an agent:
 * the fake agent TUI (test/fixtures/fake-agent.ts) as the tests run it (answers each line, then
 * busy), the same with spontaneous busy spells, `cat` (cooked mode: the kernel echoes, cat answers
 * every line) and `python3 -q` (a REPL: a notice is a syntax error, answered with a traceback).
 * The delay is the store's own: `delivered_at - created_at`, i.e. until the program took the
 * notice. Target: p99 ≤ quiet_ms + 1 s. The peer cell is `tmux send-keys` to the fake agent:
 * typed at once (its delay is the two processes), with what it garbles counted.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { notice } from "../../src/pty/notice.ts";
import { noticeIds, readEntries } from "../../test/fixtures/agent-log.ts";
import { BIN, capture, formatNumber, mustRun, percentile, ROOT, startMaestro, startTmux, tempDir, waitFor, type Cell, type MaestroHome, type Row } from "../lib.ts";

const AGENT = join(ROOT, "test", "fixtures", "fake-agent.ts");
const QUIET_MS = 1500; // the default inject.quiet_ms

interface Program {
  label: string;
  argv: (log: string) => string[];
  ready: string;
}

const PROGRAMS: Program[] = [
  { label: "fake agent", argv: (log) => [process.execPath, AGENT, "--log", log, "--idle", "0"], ready: "fake-agent ready" },
  { label: "fake agent, busy spells", argv: (log) => [process.execPath, AGENT, "--log", log, "--busy", "100-400", "--idle", "2000-4000"], ready: "fake-agent ready" },
  { label: "cat", argv: () => ["cat"], ready: "" },
  { label: "python3 -q", argv: () => ["python3", "-q"], ready: ">>> " },
  // Reads lines and answers nothing: only the kernel's echo (the notice, then Enter's CR LF).
  { label: "silent reader", argv: () => ["python3", "-c", "import sys\nfor line in sys.stdin: pass"], ready: "" },
];

export async function quietDelays(m: MaestroHome, name: string, argv: string[], ready: string, n: number): Promise<{ delays: number[]; undelivered: number }> {
  await mustRun(m.argv("new", name, "--notify", "inject", "--", ...argv), { env: m.env });
  if (ready) await mustRun(m.argv("wait", name, "--match", ready, "--timeout", "10s"), { env: m.env });
  else await mustRun(m.argv("wait", name, "--idle", "300ms", "--timeout", "10s"), { env: m.env });
  for (let k = 0; k < n; k++) {
    await mustRun(m.argv("send", name, `body ${k}`, "--subject", `task ${k}`), { env: m.env });
    await Bun.sleep(300 + ((k * 7919) % 600));
  }
  type View = { status: string; created_at: string; delivered_at: string | null };
  const inbox = async () => JSON.parse(await mustRun(m.argv("inbox", name, "--json", "--limit", String(n + 10)), { env: m.env })) as View[];
  const deadline = Date.now() + 15_000;
  let views = await inbox();
  while (views.some((v) => v.status === "queued") && Date.now() < deadline) {
    await Bun.sleep(200);
    views = await inbox();
  }
  const delays = views.filter((v) => v.delivered_at).map((v) => Date.parse(v.delivered_at!) - Date.parse(v.created_at));
  return { delays, undelivered: views.length - delays.length };
}

const row: Row = {
  id: "inject-quiet",
  figure: "send → notice taken, nobody typing (p99 ms; default quiet_ms 1500)",
  peer: "tmux",
  needs: ["tmux"],
  target: { better: "lower", absolute: QUIET_MS + 1000, unit: "ms" },
  async run({ quick, scope, log }) {
    const n = quick ? 8 : 20;
    const help = await capture([BIN, "notify", "--help"], { timeoutMs: 10_000 });
    if (help.code !== 0) throw new Error("this maestro has no `notify` verb");
    const dir = tempDir(scope, "mbq");
    const m = await startMaestro(scope);
    const parts: string[] = [];
    let worst = 0;
    for (const [i, p] of PROGRAMS.entries()) {
      if (p.argv("")[0] === "python3" && !Bun.which("python3")) continue;
      log(`${p.label}: ${n} messages, nobody typing`);
      const { delays, undelivered } = await quietDelays(m, `q${i}`, p.argv(join(dir, `q${i}.log`)), p.ready, n);
      const p99 = delays.length ? percentile(delays, 99) : Infinity;
      if (i === 0) worst = p99;
      parts.push(`${p.label}: p50 ${formatNumber(percentile(delays, 50))} ms, p99 ${formatNumber(p99)} ms${undelivered ? `, ${undelivered} never taken` : ""}`);
    }
    // The peer: send-keys types at once; its delay is that of two processes, but nothing checks.
    const log0 = join(dir, "tmux.log");
    const ready = join(dir, "tmux.ready");
    const argv = [process.execPath, AGENT, "--log", log0, "--ready", ready, "--idle", "0"];
    const tmux = await startTmux(scope, `exec ${argv.map((a) => `'${a}'`).join(" ")}`, "agent");
    await waitFor("the agent in tmux to start", () => existsSync(ready), 10_000);
    const tdelays: number[] = [];
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const id = `t${k.toString(36).padStart(10, "0")}`;
      ids.push(id);
      const at = Date.now();
      const text = notice("agent", [{ id, from: "operator", subject: `task ${k}`, body: "", priority: "normal" }]);
      await mustRun([...tmux.cmd, "send-keys", "-t", "agent", "-l", text], { env: tmux.env });
      await mustRun([...tmux.cmd, "send-keys", "-t", "agent", "Enter"], { env: tmux.env });
      await waitFor("the line in the agent's log", () => readEntries(log0).some((e) => e.line.includes(id)), 5_000).catch(() => {});
      tdelays.push((readEntries(log0).find((e) => e.line.includes(id))?.at ?? Date.now()) - at);
      await Bun.sleep(300 + ((k * 7919) % 600));
    }
    const clean = ids.filter((id) => readEntries(log0).filter((e) => e.ctl === 0 && noticeIds(e.line, "agent")?.includes(id)).length === 1).length;
    const peer: Cell = { kind: "value", value: percentile(tdelays, 99), unit: "ms", detail: `fake agent: p50 ${formatNumber(percentile(tdelays, 50))} ms; ${clean}/${n} clean (nobody typing)` };
    return { maestro: { kind: "value", value: worst, unit: "ms", detail: parts.join("; ") }, peer };
  },
};

export default row;
