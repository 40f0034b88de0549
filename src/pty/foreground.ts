/**
 * Which program is in front in a session's terminal: the leader of the PTY's foreground process
 * group, which is what reads typed input. A shell in front of an agent it started hands the
 * terminal to the agent (tcsetpgrp); when the agent exits, the shell takes it back.
 *
 * Linux: /proc/<session pid>/stat gives the terminal's foreground group (tpgid, field 8), and
 * /proc/<tpgid>/comm and cmdline name its leader. Elsewhere (no /proc) the program cannot be seen.
 */
import { existsSync, readFileSync } from "node:fs";
import { programName } from "../protocol/programs.ts";

const PROC = existsSync("/proc/self/stat");
/** The kernel keeps at most this many characters of a program's name in comm. */
const COMM_MAX = 15;

/** What is in front: its names (comm and argv[0]), or undefined when that cannot be seen. */
export function foregroundNames(sessionPid: number): string[] | undefined {
  if (!PROC || sessionPid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${sessionPid}/stat`, "latin1");
    // The name in parentheses may hold spaces and parentheses itself: count fields after the last ")".
    const tpgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[5]);
    if (!Number.isInteger(tpgid) || tpgid <= 0) return undefined;
    const comm = readFileSync(`/proc/${tpgid}/comm`, "utf8").trim();
    const argv0 = readFileSync(`/proc/${tpgid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return argv0 ? [comm, programName(argv0)] : [comm];
  } catch {
    // The group's leader is gone (its group lives on) or the session just ended.
    return undefined;
  }
}

/** The set to match names against; comm is cut by the kernel, so the entries are too. */
export function holdSet(names: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const n of names) {
    set.add(n);
    set.add(n.slice(0, COMM_MAX));
  }
  return set;
}

/**
 * Why notices must wait now: the name of the refused program in front, "unknown" when the
 * program cannot be seen (refused too, unless the list is empty), or undefined to go ahead.
 */
export function heldBy(sessionPid: number, hold: ReadonlySet<string>): string | undefined {
  if (hold.size === 0) return undefined;
  const names = foregroundNames(sessionPid);
  if (!names) return "unknown";
  return names.find((n) => hold.has(n));
}
