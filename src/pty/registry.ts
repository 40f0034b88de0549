/**
 * Every session the daemon owns, by name. Sessions die with the daemon: on shutdown each program
 * is hung up on (then killed) and each PTY closed.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import { Attachment, type AttachSink, type Watermarks } from "./attachment.ts";
import { Injector, type InjectConfig, type InjectorLinks } from "./injector.ts";
import { Lineage } from "./lineage.ts";
import { becomeSubreaper, reapAdopted } from "./reaper.ts";
import { Session, type SessionLimits, type SessionSpec } from "./session.ts";

export class Sessions {
  private readonly byName = new Map<string, Session>();
  /** Attached clients by `<connection>:<stream>`, for `resize`. */
  readonly attachments = new Map<string, Attachment>();

  private readonly lineage = new Lineage<Session>(process.pid);
  /** Set by the daemon: sessions' processes are told apart by the kernel, not by a token. */
  pinning = false;

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
    const session = new Session({ ...spec, ...(log ? { logPath: this.logPath(spec.name) } : {}) }, this.limits, this.log, {
      spawned: (s, pid) => this.lineage.spawned(s, pid),
      exited: (pid) => this.lineage.exited(pid),
    });
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
   * The session a connecting process belongs to: `{ session }`, `{ refused }` when it descends
   * from a session that is gone (removed) or can no longer be told, or undefined for a process
   * outside every session. See lineage.ts for how, and docs/security.md for what that proves.
   */
  sessionOfProcess(pid: number, connectedMsAgo: number): { session: Identity } | { refused: string } | undefined {
    const tie = this.lineage.identify(pid, connectedMsAgo);
    if (tie === undefined || "refused" in tie) return tie;
    const name = tie.owner.name;
    if (this.byName.get(name) !== tie.owner) return { refused: `comes from session ${name}, which was removed` };
    return { session: { name, kind: "session" } };
  }

  /**
   * Linux: the daemon becomes the subreaper of everything its sessions start, so nothing they
   * start can leave its ancestry, and reaps the orphans that hands it. False where unsupported.
   */
  adoptOrphans(): boolean {
    if (!becomeSubreaper()) return false;
    process.on("SIGCHLD", () => reapAdopted((pid) => this.lineage.running(pid)));
    return true;
  }

  /** A new client of `session`, writing to `sink`; known by `key` (for `resize`) until it closes. */
  attach(key: string, session: Session, sink: AttachSink, readOnly: boolean, cols: number, rows: number, water: Watermarks, tty?: string): Attachment {
    const a = new Attachment(key, session, sink, readOnly, cols, rows, water, () => this.attachments.delete(key), tty);
    this.attachments.set(key, a);
    return a;
  }

  /** Where `command` would run from (see resolveCommand below): checked before anything is created. */
  resolveCommand(command: string, cwd: string, path: string | undefined): string {
    return resolveCommand(command, cwd, path);
  }

  /** Starts typing notices into `session` (`--notify inject`); the links connect it to the messages. */
  startInjection(session: Session, config: InjectConfig, links: InjectorLinks): void {
    if (session.injector) return;
    session.injector = new Injector(session, config, links);
    session.injector.start();
  }

  stopInjection(session: Session): void {
    session.injector?.stop();
    session.injector = undefined;
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
