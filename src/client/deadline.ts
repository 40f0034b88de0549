/**
 * How long a client waits for the daemon to answer: its welcome, then each ordinary request's
 * reply. A daemon that accepted the connect (the kernel's backlog does that even for a stopped
 * process) but never answers must not hang a script or a cron job forever: past the deadline the
 * client gives up with exit 5. Waits the user asked for (`send --wait`, `wait`, `--follow`,
 * `attach`) are not cut once the daemon has answered: their replies or streams are exempt.
 */
import { MaestroError } from "../protocol/errors.ts";
import { parseDuration } from "../protocol/duration.ts";
import type { RequestType } from "../protocol/requests.ts";

/** Long enough for a loaded machine's daemon to answer; a fresh autostarted daemon answers at once. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * No deadline: a reply that ends a wait the user asked for (`send --wait`, a `backup` of a large
 * store), and `resize` inside an attach, which must not end the attach because a busy daemon was
 * slow to acknowledge it.
 */
const LONG_WAITS: ReadonlySet<RequestType> = new Set<RequestType>(["message.wait", "resize", "backup"]);

export function hasDeadline(type: RequestType): boolean {
  return !LONG_WAITS.has(type);
}

/** `MAESTRO_TIMEOUT`: a duration (`10s`, `500ms`, a bare number is seconds); `0` turns it off. */
export function clientTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.MAESTRO_TIMEOUT?.trim();
  if (!raw) return DEFAULT_TIMEOUT_MS;
  if (/^0+(\.0*)?(ms|s|m|h|d|w)?$/.test(raw)) return 0;
  return parseDuration(raw, "MAESTRO_TIMEOUT");
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The one line a client prints when the daemon took too long; `what` names a request, if any. */
export function noAnswer(socket: string, pid: number | undefined, ms: number, what?: string): MaestroError {
  const who = `daemon at ${socket}${pid ? ` (pid ${pid})` : ""}`;
  const check = pid ? `\`ps -o stat= -p ${pid}\` shows T if so, and \`kill -CONT ${pid}\` resumes it` : "see `maestro daemon status`";
  return new MaestroError(
    "unavailable",
    `${who} did not answer${what ? ` the ${what} request` : ""} within ${formatMs(ms)}; is it stopped? (${check}); MAESTRO_TIMEOUT=30s waits longer`,
    { no_answer: true, ...(pid ? { pid } : {}) },
  );
}
