/**
 * Which session a connecting process comes from, told by what the kernel keeps and a process
 * cannot forge: its ancestry (with the daemon as subreaper, a process that leaves its session's
 * tree is re-parented to the daemon, never away from it), its kernel session id (changed only by
 * setsid), and start times (so a reused pid is never taken for the process that had it).
 *
 * Every program a session ran is remembered — after it exits, and across `--restart` respawns —
 * for as long as any process still has its kernel session id, so a job it left running is still
 * known. A process that descends from the daemon but carries no mark of one session (it called
 * setsid after its parent died) cannot be told apart, and is refused rather than guessed.
 */
import { liveSessionIds, procStat, TICKS_PER_SECOND, uptimeTicks, type ProcStat } from "./procfs.ts";

interface Program<S> {
  owner: S;
  /** Start time, or -1 if the program was gone before it could be read. */
  start: number;
  /** Bun reported its exit: its pid may stay in use as the kernel session id of what it left. */
  exited: boolean;
}

export type Tie<S> = { owner: S } | { refused: string } | undefined;

/** How often to look for exited programs' kernel sessions that have no process left. */
const SWEEP_MS = 1000;

export class Lineage<S> {
  /** By pid, which is also the kernel session id: Bun starts each program as a session leader. */
  private readonly programs = new Map<number, Program<S>>();
  private everSpawned = false;
  private sweepTimer: Timer | undefined;
  /** The daemon's start time: nothing older than it can descend from it, or be in a session. */
  private readonly daemonStart: number;

  constructor(private readonly daemonPid: number) {
    this.daemonStart = procStat(daemonPid)?.start ?? -1;
  }

  spawned(owner: S, pid: number): void {
    this.everSpawned = true;
    this.programs.set(pid, { owner, start: procStat(pid)?.start ?? -1, exited: false });
  }

  /** Bun reaped the program. Its record stays while its kernel session has members. */
  exited(pid: number): void {
    const p = this.programs.get(pid);
    if (!p) return;
    p.exited = true;
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref?.();
  }

  /** Bun's children that have not yet been reaped: never to be waited for by anyone else. */
  running(pid: number): boolean {
    const p = this.programs.get(pid);
    return p !== undefined && !p.exited;
  }

  /**
   * Once no process has an exited program's session id, the pid is free for the kernel to hand
   * out again; forget it before anyone can get it and call setsid.
   */
  private sweep(): void {
    const live = liveSessionIds();
    let waiting = false;
    for (const [pid, p] of this.programs) {
      if (!p.exited) continue;
      if (live.has(pid)) waiting = true;
      else this.programs.delete(pid);
    }
    if (!waiting) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  /**
   * The session `pid` belongs to, a refusal, or undefined for a process that does not descend
   * from this daemon. `connectedMsAgo`: when it connected, so a pid reused since is caught.
   */
  identify(pid: number, connectedMsAgo: number): Tie<S> {
    // Before any session ran, nothing can descend from the daemon: no /proc reads at all.
    if (!this.everSpawned) return undefined;
    let at = procStat(pid);
    if (!at) return { refused: "has exited" };
    const connectedAt = uptimeTicks() - Math.floor((connectedMsAgo * TICKS_PER_SECOND) / 1000);
    if (at.start > connectedAt + 2) return { refused: `started after its connection was made (pid ${pid} was reused)` };
    const owners = new Set<S>();
    let viaDaemon = false;
    let complete = false;
    const seen = new Set<number>();
    while (at) {
      if (at.pid === this.daemonPid) {
        viaDaemon = complete = true;
        break;
      }
      // Started before the daemon (parents are never younger than children): neither this
      // process nor any ancestor was spawned by it or shares a session's kernel session id, so
      // the walk up to init would find nothing more. A CLI run from a shell stops here, early.
      if (at.start < this.daemonStart) {
        complete = true;
        break;
      }
      const program = this.programs.get(at.pid);
      if (program && program.start === at.start) owners.add(program.owner);
      const leader = this.programs.get(at.sid);
      if (leader) owners.add(leader.owner);
      if (at.ppid <= 0) {
        complete = true;
        break;
      }
      if (seen.has(at.pid)) break;
      seen.add(at.pid);
      at = parentOf(at);
    }
    if (owners.size > 1) return { refused: "descends from more than one session" };
    const [owner] = owners;
    if (owner !== undefined) return { owner };
    if (viaDaemon) return { refused: "descends from a maestro session but left it (setsid after its parent exited), so it cannot be told which" };
    if (!complete) return { refused: "changed parents while its ancestry was read; try again" };
    return undefined;
  }
}

/**
 * `child`'s parent. A parent always started no later than its child; one that did not is a new
 * process with a dead parent's pid, so read the child again: it has been re-parented.
 */
function parentOf(child: ProcStat): ProcStat | undefined {
  for (let tries = 0; tries < 3; tries++) {
    const parent = procStat(child.ppid);
    if (parent && parent.start <= child.start) return parent;
    const again = procStat(child.pid);
    if (!again || again.start !== child.start) return undefined;
    child = again;
  }
  return undefined;
}
