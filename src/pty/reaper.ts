/**
 * The daemon as its sessions' child subreaper (Linux): a process that leaves its session's tree —
 * a double fork, a job left running when the program exits — is re-parented to the daemon, not
 * to init, so its ancestry still leads to the daemon and it can never pass for a process outside
 * every session. The daemon then has to reap those adopted orphans itself: Bun waits only for the
 * children it spawned (by pid), so the others would stay zombies.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { childrenOf, procStat } from "./procfs.ts";

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

type Libc = { prctl(option: number, arg: number): number; waitpid(pid: number, status: Int32Array): number };

let libc: Libc | null | undefined;

function load(): Libc | null {
  if (process.platform !== "linux") return null;
  try {
    const lib = dlopen("libc.so.6", {
      prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
      waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    });
    return {
      prctl: (option, arg) => lib.symbols.prctl(option, arg, 0, 0, 0),
      waitpid: (pid, status) => lib.symbols.waitpid(pid, ptr(status), WNOHANG),
    };
  } catch {
    return null;
  }
}

/** Makes this process the subreaper of its descendants; false where the platform has none. */
export function becomeSubreaper(): boolean {
  libc ??= load();
  return libc !== null && libc.prctl(PR_SET_CHILD_SUBREAPER, 1) === 0;
}

/**
 * Reaps every child that is a zombie and not one Bun is waiting for (`own`): waitpid on that pid
 * alone, never waitpid(-1), so no status Bun's own children report is taken from it.
 */
export function reapAdopted(own: (pid: number) => boolean): number {
  if (!libc) return 0;
  const status = new Int32Array(1);
  let reaped = 0;
  for (const pid of childrenOf(process.pid)) {
    if (own(pid) || procStat(pid)?.state !== "Z") continue;
    if (libc.waitpid(pid, status) === pid) reaped++;
  }
  return reaped;
}
