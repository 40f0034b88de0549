/**
 * Detached dtach sessions: the peer for attached throughput and for memory per idle shell. dtach
 * daemonises (`-n`), so the master's pid is found by its unique socket path, and it is ended by pid.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { isAlive, mustRun, terminate, waitFor } from "./proc.ts";
import { findPids } from "./procfs.ts";
import type { Scope } from "./scope.ts";

export interface DtachSession {
  sock: string;
  /** The dtach master process, which owns the pty and the program under it. */
  pid: number;
}

/** `dtach -n <sock> -Ez <cmd…>`: no detach character, no suspend key, like an untouched pty. */
export async function startDtach(scope: Scope, sock: string, cmd: string[]): Promise<DtachSession> {
  await mustRun(["dtach", "-n", sock, "-Ez", ...cmd], { timeoutMs: 5_000 });
  const isMaster = (argv: string[]) => basename(argv[0] ?? "") === "dtach" && argv[2] === sock;
  let pids: number[] = [];
  await waitFor(`the dtach master for ${sock}`, () => (pids = findPids(isMaster)).length === 1);
  const pid = pids[0]!;
  scope.defer(`stop dtach ${sock}`, () => terminate(pid));
  return { sock, pid };
}

/**
 * Many detached sessions at once, `width` starts in flight, their masters found in one scan of
 * /proc (a scan per session, as startDtach does, grows with the process count: quadratic at 1,000).
 */
export async function startDtachMany(scope: Scope, socks: string[], cmd: string[], width = 8): Promise<DtachSession[]> {
  const started = new Set<string>();
  let next = 0;
  // Each master is registered for cleanup as soon as it is found, even if a later start fails.
  const masters = new Map<string, number>();
  scope.defer(`stop ${socks.length} dtach sessions`, async () => {
    // All signalled first, then waited for together: one by one, 1,000 would take a while.
    const pids = [...masters.values()].filter(isAlive);
    for (const pid of pids) process.kill(pid, "SIGTERM");
    await waitFor("the dtach masters to exit", () => !pids.some(isAlive), 5_000).catch(() => undefined);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  const scan = () => {
    for (const pid of findPids((argv) => basename(argv[0] ?? "") === "dtach" && argv[1] === "-n" && started.has(argv[2] ?? ""))) {
      const argv = readArgv(pid);
      if (argv) masters.set(argv[2]!, pid);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(width, socks.length) }, async () => {
      while (next < socks.length) {
        const sock = socks[next++]!;
        started.add(sock);
        await mustRun(["dtach", "-n", sock, "-Ez", ...cmd], { timeoutMs: 5_000 });
      }
    }));
  } finally {
    scan();
  }
  await waitFor(`${socks.length} dtach masters`, () => (scan(), masters.size === socks.length), 10_000);
  return socks.map((sock) => ({ sock, pid: masters.get(sock)! }));
}

function readArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
}
