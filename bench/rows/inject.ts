/**
 * Reaching an agent in its terminal while a person types in it (SPEC §7). The same fake agent TUI
 * (test/fixtures/fake-agent.ts: short busy spells, a prompt, raw keys, a log of every line it is
 * given) runs in a maestro `--notify inject` session and in a tmux pane. N messages arrive, 4
 * every 100 ms, while a person attached through a real PTY types a line every 1–2 s.
 *
 * maestro types a notice when the agent is idle and nobody is typing, and checks it was taken.
 * The baseline is what people script today: on each message, at once, `tmux send-keys -t S -l
 * TEXT` then `tmux send-keys -t S Enter`, with the same notice text, one message at a time. Cell value: the share of
 * messages whose id reached the agent exactly once, on a line holding one whole notice and nothing
 * else; the detail has the person's lines kept intact and the send → notice delay (p50/p99).
 * maestro's [inject] timings are scaled to the typist's pace (below), as the tests do; with the
 * defaults (typing_ms 5 s) it would wait for the person to stop typing altogether.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { notice } from "../../src/pty/notice.ts";
import { type Entry, noticeIds, prng, readEntries } from "../../test/fixtures/agent-log.ts";
import {
  BIN, capture, formatNumber, mustRun, percentile, ptyClient, ROOT, startMaestro, startTmux, tempDir, waitFor,
  type Cell, type MaestroHome, type PtyClient, type Row, type Scope,
} from "../lib.ts";

const AGENT = join(ROOT, "test", "fixtures", "fake-agent.ts");
/** Busy for 10–30 ms after each line, and now and then on its own: a prompt back within tens of ms. */
const AGENT_ARGS = ["--seed", "5", "--busy", "10-30", "--idle", "200-600"];
const NAME = "agent";
const CONFIG = `[inject]
quiet_ms = 200
typing_ms = 500
confirm_ms = 300
retry_ms = 2000
max_hold_ms = 3000
max_hold_high_ms = 1000
max_hold_urgent_ms = 0
`;
/** Every this many messages, one is urgent. */
const URGENT_EVERY = 10;
const BURST = 4;
const BURST_EVERY_MS = 100;
/** After the last send: how long the log may stay unchanged before what is missing counts as lost. */
const DRAIN_QUIET_MS = 3_000;
const DRAIN_MAX_MS = 30_000;

/** One side of the comparison: how a message is sent, the person's terminal, the agent's log. */
interface Side {
  name: string;
  log: string;
  typist: PtyClient;
  /** Sends message k; resolves with its id and when the send began (ms since the epoch). */
  send(k: number): Promise<{ id: string; at: number }>;
  /** When the typist's terminal showed a banner (maestro only). */
  banners: number[];
}

interface Outcome {
  n: number;
  clean: number;
  lost: number;
  repeated: number;
  mangled: number;
  humanIntact: number;
  humanTyped: number;
  delays: number[];
  /** Send → the person told (a banner or the notice, whichever first), normal and urgent. */
  told: number[];
  toldUrgent: number[];
  notices: number;
}

const row: Row = {
  id: "inject",
  figure: "messages reaching a busy agent as clean notices while a person types (%)",
  peer: "tmux",
  needs: ["tmux"],
  target: { better: "higher", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const n = quick ? 200 : 1000;
    const help = await capture([BIN, "notify", "--help"], { timeoutMs: 10_000 });
    if (help.code !== 0) throw new Error("this maestro has no `notify` verb: `--notify inject` (SPEC §7) is not supported yet");
    const dir = tempDir(scope, "mbi");

    const maestro = await startMaestro(scope, { config: CONFIG });
    const m = await maestroSide(scope, maestro, join(dir, "maestro.log"), join(dir, "maestro.ready"));
    log(`maestro: ${n} messages, a person typing`);
    const mine = await drive(m, n);
    const inbox = JSON.parse(await mustRun(maestro.argv("inbox", NAME, "--json", "--limit", String(n + 10)), { env: maestro.env })) as { status: string }[];
    const marked = inbox.filter((x) => x.status === "delivered").length;

    const t = await tmuxSide(scope, join(dir, "tmux.log"), join(dir, "tmux.ready"));
    log(`tmux send-keys: ${n} messages, a person typing`);
    const theirs = await drive(t, n);
    return { maestro: cell(mine, `${marked} marked delivered`), peer: cell(theirs) };
  },
};

async function maestroSide(scope: Scope, m: MaestroHome, log: string, ready: string): Promise<Side> {
  await mustRun(m.argv("new", NAME, "--notify", "inject", "--", process.execPath, AGENT, "--log", log, "--ready", ready, ...AGENT_ARGS), { env: m.env });
  await mustRun(m.argv("wait", NAME, "--match", "fake-agent ready", "--timeout", "10s"), { env: m.env });
  const sessions = JSON.parse(await mustRun(m.argv("ls", "--json"), { env: m.env })) as Record<string, unknown>[];
  if (!sessions.some((s) => s.name === NAME && "pending_notices" in s)) {
    throw new Error("this maestro's sessions have no pending_notices: `--notify inject` (SPEC §7) is not supported yet");
  }
  const banners: number[] = [];
  let tail = "";
  const typist = ptyClient(scope, m.argv("attach", NAME), m.env, 80, 24, (text) => {
    const seen = tail + text;
    if (/message(s)? for agent waiting /.test(seen) && !/message(s)? for agent waiting /.test(tail)) banners.push(Date.now());
    tail = seen.slice(-40);
  });
  await waitFor("the attach to draw", () => typist.bytes > 0);
  return {
    name: NAME,
    log,
    typist,
    banners,
    async send(k) {
      const at = Date.now();
      const priority = k % URGENT_EVERY === 0 ? "urgent" : "normal";
      const out = await mustRun(m.argv("send", NAME, `body of message ${k}`, "--subject", `task ${k}`, "--priority", priority, "--json"), { env: m.env });
      return { id: (JSON.parse(out) as { id: string }).id, at };
    },
  };
}

async function tmuxSide(scope: Scope, log: string, ready: string): Promise<Side> {
  const argv = [process.execPath, AGENT, "--log", log, "--ready", ready, ...AGENT_ARGS];
  const tmux = await startTmux(scope, `exec ${argv.map((a) => `'${a}'`).join(" ")}`, NAME);
  const typist = ptyClient(scope, [...tmux.cmd, "attach", "-t", NAME], tmux.env);
  await waitFor("tmux to draw", () => typist.bytes > 0);
  await waitFor("the agent in tmux to start", () => existsSync(ready), 10_000);
  // One notice at a time (a careful script holds a lock around its two send-keys): concurrent
  // senders would interleave one notice's text with another's Enter, and the baseline is then
  // spoilt by the person's typing alone.
  let queue = Promise.resolve();
  return {
    name: NAME,
    log,
    typist,
    banners: [],
    send(k) {
      const at = Date.now();
      // An id of the same shape as maestro's, so the notice text is the same length.
      const id = `t${k.toString(36).padStart(10, "0")}`;
      const text = notice(NAME, [{ id, from: "operator", subject: `task ${k}`, body: `body of message ${k}`, priority: "normal" }]);
      const done = queue.then(async () => {
        await mustRun([...tmux.cmd, "send-keys", "-t", NAME, "-l", text], { env: tmux.env });
        await mustRun([...tmux.cmd, "send-keys", "-t", NAME, "Enter"], { env: tmux.env });
      });
      queue = done;
      return done.then(() => ({ id, at }));
    },
  };
}

/** The workload, the same on both sides: bursts of sends while a person types, then a drain. */
async function drive(side: Side, n: number): Promise<Outcome> {
  const rand = prng(42);
  const typed: string[] = [];
  let sending = true;
  const person = (async () => {
    // A person's pace: keys 25–60 ms apart, a line every 1–2 s (the pause after Enter varies).
    for (let k = 0; sending; k++) {
      const line = `human line ${k} quick fox`;
      for (const ch of line) {
        side.typist.type(ch);
        await Bun.sleep(25 + Math.floor(rand() * 35));
      }
      side.typist.type("\r");
      typed.push(line);
      await Bun.sleep(200 + Math.floor(rand() * 800));
    }
  })();
  const sent: { id: string; at: number }[] = [];
  const t0 = Date.now();
  for (let k = 0, burst = 1; k < n; k += BURST, burst++) {
    const ks = Array.from({ length: Math.min(BURST, n - k) }, (_, i) => k + i);
    sent.push(...(await Promise.all(ks.map((i) => side.send(i)))));
    await Bun.sleep(Math.max(0, t0 + burst * BURST_EVERY_MS - Date.now()));
  }
  sending = false;
  await person;
  // Until everything sent and typed has reached the agent, or its log stops growing.
  const deadline = Date.now() + DRAIN_MAX_MS;
  let size = -1;
  let still = Date.now();
  for (;;) {
    const entries = readEntries(side.log);
    const text = entries.map((e) => e.line).join("\n");
    if (sent.every((s) => text.includes(s.id)) && typed.every((l) => text.includes(l))) break;
    if (entries.length !== size) [size, still] = [entries.length, Date.now()];
    if (Date.now() - still > DRAIN_QUIET_MS || Date.now() > deadline) break;
    await Bun.sleep(100);
  }
  return outcome(readEntries(side.log), side.name, sent, typed, side.banners);
}

function outcome(entries: Entry[], name: string, sent: { id: string; at: number }[], typed: string[], banners: number[]): Outcome {
  const cleanAt = new Map<string, number[]>();
  let notices = 0;
  for (const e of entries) {
    const ids = e.ctl === 0 ? noticeIds(e.line, name) : undefined;
    if (!ids) continue;
    notices++;
    for (const id of ids) cleanAt.set(id, [...(cleanAt.get(id) ?? []), e.at]);
  }
  const o: Outcome = { n: sent.length, clean: 0, lost: 0, repeated: 0, mangled: 0, humanIntact: 0, humanTyped: typed.length, delays: [], told: [], toldUrgent: [], notices };
  for (const [k, s] of sent.entries()) {
    // A banner names every message waiting when it is drawn: the first one after the send tells it.
    const banner = banners.find((b) => b >= s.at);
    const noticed = cleanAt.get(s.id)?.[0];
    const first = Math.min(banner ?? Infinity, noticed ?? Infinity);
    if (first !== Infinity) (k % URGENT_EVERY === 0 ? o.toldUrgent : o.told).push(first - s.at);
    const seen = entries.filter((e) => e.line.includes(s.id)).length;
    const clean = cleanAt.get(s.id) ?? [];
    if (seen === 0) o.lost++;
    else if (seen > 1) o.repeated++;
    else if (clean.length === 1) {
      o.clean++;
      o.delays.push(clean[0]! - s.at);
    } else o.mangled++;
  }
  const whole = new Map<string, number>();
  for (const e of entries) if (e.ctl === 0) whole.set(e.line, (whole.get(e.line) ?? 0) + 1);
  o.humanIntact = typed.filter((l) => whole.get(l) === 1).length;
  return o;
}

function cell(o: Outcome, extra?: string): Cell {
  const delay = o.delays.length === 0 ? "no clean notices" : `send → notice p50 ${formatNumber(percentile(o.delays, 50))} ms, p99 ${formatNumber(percentile(o.delays, 99))} ms`;
  const parts = [
    `${o.clean}/${o.n} clean`,
    `${o.mangled} mangled, ${o.repeated} repeated, ${o.lost} lost`,
    `${o.notices} notice lines`,
    `person's lines intact ${o.humanIntact}/${o.humanTyped}`,
    delay,
    ...(o.told.length > 0 ? [`send → person told (banner or notice) p50 ${formatNumber(percentile(o.told, 50))} ms, p99 ${formatNumber(percentile(o.told, 99))} ms; urgent p50 ${formatNumber(percentile(o.toldUrgent, 50))} ms, p99 ${formatNumber(percentile(o.toldUrgent, 99))} ms`] : []),
    ...(extra ? [extra] : []),
  ];
  return { kind: "value", value: (100 * o.clean) / o.n, unit: "%", detail: parts.join("; ") };
}

export default row;
