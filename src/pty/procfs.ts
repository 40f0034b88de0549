/**
 * What Linux says about a process, from /proc: the facts pinning relies on because a process
 * cannot forge them (its parent, its kernel session id, when it started).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Kernel session id: a session leader's pid, inherited by every child until one calls setsid. */
  sid: number;
  /** R, S, Z, … */
  state: string;
  /** Start time in clock ticks since boot: with the pid, names one process for good. */
  start: number;
}

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux ABI). */
export const TICKS_PER_SECOND = 100;

/** The process's stat, or undefined if it is gone (or /proc is not there). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses):
  // state(3) ppid(4) pgrp(5) session(6) … starttime(22).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pid, ppid: Number(f[1]), sid: Number(f[3]), state: f[0]!, start: Number(f[19]) };
}

/** Clock ticks since boot, the unit of /proc/<pid>/stat's start times. */
export function uptimeTicks(): number {
  try {
    return Math.floor(Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]) * TICKS_PER_SECOND);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The children of `pid` (every thread's: an orphan is handed to one of the reaper's threads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, "latin1").split(" ")) if (c) out.push(Number(c));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Every kernel session id some live process has. */
export function liveSessionIds(): Set<number> {
  const sids = new Set<number>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return sids;
  }
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = procStat(Number(n));
    if (s) sids.add(s.sid);
  }
  return sids;
}
