/**
 * Detached dtach sessions: the peer for attached throughput and for memory per idle shell. dtach
 * daemonises (`-n`), so the master's pid is found by its unique socket path, and it is ended by pid.
 */
import { basename } from "node:path";
import { mustRun, terminate, waitFor } from "./proc.ts";
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
