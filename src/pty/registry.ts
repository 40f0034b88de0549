/**
 * Every session the daemon owns, by name. Sessions die with the daemon: on shutdown each program
 * is hung up on (then killed) and each PTY closed.
 */
import { accessSync, constants, mkdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Attachment } from "./attachment.ts";
import { Session, type SessionLimits, type SessionSpec } from "./session.ts";

export class Sessions {
  private readonly byName = new Map<string, Session>();
  /** Attached clients by `<connection>:<stream>`, for `resize`. */
  readonly attachments = new Map<string, Attachment>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly logDir: string,
    private readonly log: (level: "info" | "warn", msg: string) => void,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The session, or a not_found error (exit 3) naming it. */
  get(name: string): Session {
    const s = this.byName.get(name);
    if (!s) throw new MaestroError("not_found", `no session named "${name}"; see \`maestro ls\``);
    return s;
  }

  list(): Session[] {
    return [...this.byName.values()].sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  }

  logPath(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  /** Spawns and registers a session; throws with nothing registered if it cannot start. */
  create(spec: Omit<SessionSpec, "logPath">, log: boolean): Session {
    if (log) mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    const session = new Session({ ...spec, ...(log ? { logPath: this.logPath(spec.name) } : {}) }, this.limits, this.log);
    try {
      session.spawn();
    } catch (err) {
      void session.destroy(0);
      throw new MaestroError("usage", `cannot start ${JSON.stringify(spec.command[0])}: ${(err as Error).message}`);
    }
    this.byName.set(spec.name, session);
    return session;
  }

  /**
   * The session a connecting process belongs to, if any: its kernel session id is a session
   * program's pid (Bun starts each program as a session leader, and children inherit the id), or
   * one of its ancestors is a session program (a child that called setsid). Reads /proc only while
   * sessions run; a process that both left the session and was re-parented escapes (SPEC §8 notes).
   */
  sessionOfProcess(pid: number): Identity | undefined {
    if (this.byName.size === 0) return undefined;
    const byPid = new Map<number, string>();
    for (const s of this.byName.values()) if (s.running) byPid.set(s.pid, s.name);
    if (byPid.size === 0) return undefined;
    const first = procStat(pid);
    const bySid = first && byPid.get(first.sid);
    if (bySid) return { name: bySid, kind: "session" };
    let at = first;
    for (let depth = 0; at && at.pid > 1 && depth < 64; depth++) {
      const name = byPid.get(at.pid);
      if (name) return { name, kind: "session" };
      at = procStat(at.ppid);
    }
    return undefined;
  }

  async remove(name: string): Promise<void> {
    const s = this.get(name);
    this.byName.delete(name);
    await s.destroy(0);
  }

  async closeAll(graceMs: number): Promise<void> {
    const all = [...this.byName.values()];
    this.byName.clear();
    await Promise.all(all.map((s) => s.destroy(graceMs)));
  }
}

/** A process's parent and session ids from /proc/<pid>/stat, or undefined if it is gone. */
function procStat(pid: number): { pid: number; ppid: number; sid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp session …
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pid, ppid: Number(f[1]), sid: Number(f[3]) };
}

/**
 * Where `command` would run from, checked before anything is created so a typo leaves nothing
 * behind: a path must be an executable file; a bare name must be on the child's PATH.
 */
export function resolveCommand(command: string, cwd: string, path: string | undefined): string {
  if (command.includes("/")) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    try {
      if (!statSync(full).isFile()) throw new Error("not a file");
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      throw new MaestroError("usage", `command not found or not executable: ${command}`);
    }
  }
  const found = Bun.which(command, { PATH: path ?? "", cwd });
  if (!found) throw new MaestroError("usage", `command not found: ${command} (not on the session's PATH)`);
  return found;
}
