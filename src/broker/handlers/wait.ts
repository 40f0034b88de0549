import { MaestroError } from "../../protocol/errors.ts";
import type { WaitEvent } from "../../protocol/requests.ts";
import type { SessionEvent } from "../../pty/session.ts";
import { optBool, optInt, optString, reqString } from "../args.ts";
import type { Handler } from "../types.ts";

/** How often a match is looked for while output flows: the screen is parsed at most this often. */
const MATCH_CHECK_MS = 30;

/**
 * Blocks (as a stream, so a client that goes away frees everything) until the session is idle,
 * exits, or its screen matches; whichever comes first. One EVENT, then END.
 */
export const wait: Handler<"wait"> = (ctx, args) => {
  const session = ctx.broker.sessions.get(reqString(args, "name"));
  const idleMs = optInt(args, "idle_ms", 0, 2 ** 31 - 1);
  const timeoutMs = optInt(args, "timeout_ms", 0, 2 ** 31 - 1);
  const onExit = optBool(args, "exit");
  const pattern = optString(args, "match");
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
  let off = () => {};
  const finish = (event: WaitEvent) => {
    if (!stream.open) return;
    off();
    for (const t of timers) clearTimeout(t);
    clearTimeout(matchTimer);
    stream.event(event);
    stream.end(event.type);
  };
  const checkMatch = () => {
    matchTimer = undefined;
    const text = session.currentScreen().text(0, false);
    const m = re!.exec(text);
    if (m) finish({ type: "match", line: lineAt(text, m.index) });
  };
  const armIdle = () => {
    const left = session.lastActivity + idleMs! - Date.now();
    if (left <= 0) finish({ type: "idle" });
    else timers.push(setTimeout(armIdle, left));
  };
  off = session.on((e: SessionEvent) => {
    if (e.type === "exit" && !e.restarting && (onExit || !session.running)) {
      if (re) checkMatch();
      finish({ type: "exit", code: e.code, signal: e.signal });
    } else if (e.type === "output" && re && !matchTimer) {
      matchTimer = setTimeout(checkMatch, MATCH_CHECK_MS);
    }
  });
  stream.onCancel(() => {
    off();
    for (const t of timers) clearTimeout(t);
    clearTimeout(matchTimer);
  });
  if (timeoutMs !== undefined) timers.push(setTimeout(() => finish({ type: "timeout" }), timeoutMs));
  queueMicrotask(() => {
    if (re) checkMatch();
    if (!stream.open) return;
    if (!session.running && onExit) finish({ type: "exit", code: session.exitCode, signal: session.signal });
    else if (idleMs !== undefined) armIdle();
  });
  return {};
};

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf("\n", index) + 1;
  const end = text.indexOf("\n", index);
  return text.slice(start, end === -1 ? undefined : end);
}
