/**
 * Reading processes through Linux's /proc: finding the pids of processes that daemonised away
 * from us (dtach, tmux servers) and summing what they hold in memory.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Pids whose command line (argv) satisfies `match`. Processes that vanish mid-scan are skipped. */
export function findPids(match: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let raw: string;
    try {
      raw = readFileSync(`/proc/${name}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const argv = raw.split("\0");
    if (argv.at(-1) === "") argv.pop();
    if (argv.length > 0 && match(argv)) pids.push(Number(name));
  }
  return pids;
}

/** Resident memory of one process in KiB (VmRSS), throwing if it is gone or has none. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`pid ${pid} reports no VmRSS (exited, or a kernel thread)`);
  return Number(m[1]);
}

/** Sum of VmRSS over `pids`, in KiB. Shared pages count once per process, as `ps` counts them. */
export function totalRssKiB(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
}

/** Direct children of `pid` (needs a kernel with CONFIG_PROC_CHILDREN, as Debian's have). */
export function childPids(pid: number): number[] {
  const raw = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return raw ? raw.split(/\s+/).map(Number) : [];
}
