import { MaestroError } from "../../protocol/errors.ts";
import type { WaitEvent } from "../../protocol/requests.ts";
import type { SessionEvent } from "../../pty/session.ts";
import type { Handler } from "../types.ts";
import { localName, remoteHost, remoteWait } from "./remote-terminal.ts";

/** How often new output is searched for a match while it flows. */
const MATCH_CHECK_MS = 30;
/** Text kept for matching: the newest output, and the tail of what was searched (for matches across chunks). */
const MATCH_WINDOW = 64 * 1024;
const MATCH_CARRY = 1024;
/** CSI, OSC, charset and other escape sequences: not text. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[@-_]|\r/g;

/**
 * Blocks (as a stream, so a client that goes away frees everything) until the session is idle,
 * exits, or matches; whichever comes first. One EVENT, then END. A match is looked for in the
 * screen when the wait starts, then in the text of new output (escape sequences removed) — not by
 * re-parsing the screen, which would put the terminal emulator on the output's hot path.
 */
export const wait: Handler<"wait"> = (ctx, args) => {
  const remote = remoteHost(ctx, args.name);
  if (remote) return remoteWait(ctx, args, remote);
  const session = ctx.broker.sessions.get(localName(args.name));
  const idleMs = args.idle_ms;
  const timeoutMs = args.timeout_ms;
  const onExit = args.exit === true;
  const pattern = args.match;
  let re: RegExp | undefined;
  if (pattern !== undefined) {
    try {
      re = new RegExp(pattern, "m");
    } catch (err) {
      throw new MaestroError("usage", `--match: ${(err as Error).message}`);
    }
  }
  if (idleMs === undefined && !onExit && !re) throw new MaestroError("usage", "wait for what? give --idle DUR, --exit or --match RE");

  const stream = ctx.openStream();
  const timers: Timer[] = [];
  let matchTimer: Timer | undefined;
  const decoder = new TextDecoder();
  let fresh = "";
  let carry = "";
  let off = () => {};
  const finish = (event: WaitEvent) => {
    if (!stream.open) return;
    off();
    for (const t of timers) clearTimeout(t);
    clearTimeout(matchTimer);
    stream.event(event);
    stream.end(event.type);
  };
  const test = (text: string) => {
    const m = re!.exec(text);
    if (m) finish({ type: "match", line: lineAt(text, m.index) });
  };
  const checkOutput = () => {
    matchTimer = undefined;
    const text = carry + fresh.replace(ESCAPES, "");
    fresh = "";
    carry = text.slice(-MATCH_CARRY);
    test(text);
  };
  const armIdle = () => {
    const left = session.lastActivity + idleMs! - Date.now();
    if (left <= 0) finish({ type: "idle" });
    else timers.push(setTimeout(armIdle, left));
  };
  off = session.on((e: SessionEvent) => {
    if (e.type === "exit" && !e.restarting && (onExit || !session.running)) {
      if (re) checkOutput();
      finish({ type: "exit", code: e.code, signal: e.signal });
    } else if (e.type === "output" && re) {
      fresh += decoder.decode(e.bytes, { stream: true });
      if (fresh.length > MATCH_WINDOW) fresh = fresh.slice(-MATCH_WINDOW);
      matchTimer ??= setTimeout(checkOutput, MATCH_CHECK_MS);
    }
  });
  stream.onCancel(() => {
    off();
    for (const t of timers) clearTimeout(t);
    clearTimeout(matchTimer);
  });
  if (timeoutMs !== undefined) timers.push(setTimeout(() => finish({ type: "timeout" }), timeoutMs));
  queueMicrotask(() => {
    if (re) test(session.currentScreen().text(0, false));
    if (!stream.open) return;
    // Exited for good (no restart pending): nothing more can match or go idle, so say so now.
    if (!session.running && !session.restartPending) finish({ type: "exit", code: session.exitCode, signal: session.signal });
    else if (idleMs !== undefined) armIdle();
  });
  return {};
};

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf("\n", index) + 1;
  const end = text.indexOf("\n", index);
  return text.slice(start, end === -1 ? undefined : end);
}
