/**
 * Every request type the daemon answers, with its arguments and result. Both sides import this
 * map, so a request and its handler cannot disagree on shape without the type checker noticing.
 */

export interface StatusResult {
  version: string;
  protocol: number;
  pid: number;
  started_at: string;
  uptime_s: number;
  home: string;
  socket: string;
  db: { path: string; bytes: number };
  connections: number;
  sessions: number;
  messages: number;
}

export interface ShutdownResult {
  pid: number;
}

export interface RegisterArgs {
  name: string;
  /** Issue a new token for an existing identity; the old one stops working. */
  rotate?: boolean;
}

export interface RegisterResult {
  name: string;
  token: string;
  rotated: boolean;
}

export interface WhoamiResult {
  name: string;
  kind: "operator" | "agent" | "session";
}

export interface Requests extends SessionRequests {
  status: { args: Record<string, never>; result: StatusResult };
  shutdown: { args: Record<string, never>; result: ShutdownResult };
  register: { args: RegisterArgs; result: RegisterResult };
  whoami: { args: Record<string, never>; result: WhoamiResult };
}

export type RequestType = keyof Requests;
export type ArgsOf<T extends RequestType> = Requests[T]["args"];
export type ResultOf<T extends RequestType> = Requests[T]["result"];

// ── Sessions (SPEC §6) ──────────────────────────────────────────────────────────────────────

export type RestartPolicy = "no" | "on-failure" | "always";
export type NotifyMode = "none" | "inject";

export interface NewArgs {
  name: string;
  /** The program and its arguments; the client fills in `$SHELL` when none is given. */
  command: string[];
  /** Absolute working directory; the client sends its own by default. */
  cwd?: string;
  /** `K=V` pairs added to the daemon's environment. */
  env?: string[];
  notify?: NotifyMode;
  restart?: RestartPolicy;
  /** Append all output to `$MAESTRO_HOME/logs/<name>.log`. */
  log?: boolean;
  cols?: number;
  rows?: number;
}

export interface NewResult {
  name: string;
  pid: number;
}

/** One session as `ls` shows it. */
export interface SessionInfo {
  name: string;
  command: string[];
  pid: number;
  state: "running" | "exited";
  /** Set once the program has exited (and not been restarted). */
  exit_code: number | null;
  signal: string | null;
  clients: number;
  cols: number;
  rows: number;
  created_at: string;
  last_activity: string;
  unread: number;
  notify: NotifyMode;
  restart: RestartPolicy;
  restarts: number;
  /** Attached clients: each one's backlog and whether it is held back as too slow. */
  attached: { id: string; read_only: boolean; backlog: number; stalled: boolean }[];
}

export interface AttachArgs {
  name: string;
  cols: number;
  rows: number;
  read_only?: boolean;
  /** History lines to put into the outer terminal's scrollback; default from config. */
  history?: number;
}

export interface AttachResult {
  name: string;
  /** The daemon's configured default detach key (config `sessions.detach_key`). */
  detach_key: string;
  cols: number;
  rows: number;
}

/** EVENT payloads on an attach stream. */
export type AttachEvent =
  | { type: "exit"; code: number | null; signal: string | null; restarting: boolean }
  | { type: "restarted"; pid: number };

export interface ResizeArgs {
  /** The attach stream (its request id) on this connection. */
  stream: number;
  cols: number;
  rows: number;
}

export interface KillArgs {
  name: string;
  /** A signal name (`TERM`, `SIGKILL`, …); default `SIGHUP`, as a terminal hang-up. */
  signal?: string;
}

export interface KillResult {
  name: string;
  signal: string;
  /** True when the program had exited by the time the reply was sent. */
  exited: boolean;
}

export interface RmArgs {
  name: string;
  /** Kill a running session (SIGKILL) before removing it. */
  force?: boolean;
}

export interface TypeArgs {
  name: string;
  /** Literal text. */
  text?: string;
  /** Named keys (`Enter`, `C-c`, `Up`, …), written after the text. */
  keys?: string[];
  /** Send Enter (a carriage return) last. */
  enter?: boolean;
}

export interface TypeResult {
  name: string;
  bytes: number;
}

export interface PeekArgs {
  name: string;
  /** Lines of history above the screen. */
  lines?: number;
  /** Keep colours and attributes as SGR sequences. */
  ansi?: boolean;
}

export interface PeekResult {
  name: string;
  text: string;
}

export interface WaitArgs {
  name: string;
  idle_ms?: number;
  exit?: boolean;
  /** A JavaScript regular expression tested against the screen's text. */
  match?: string;
  timeout_ms?: number;
}

/** The one EVENT a wait stream carries before END. */
export type WaitEvent =
  | { type: "idle" }
  | { type: "exit"; code: number | null; signal: string | null }
  | { type: "match"; line: string }
  | { type: "timeout" };

export interface SessionRequests {
  new: { args: NewArgs; result: NewResult };
  ls: { args: Record<string, never>; result: SessionInfo[] };
  attach: { args: AttachArgs; result: AttachResult };
  resize: { args: ResizeArgs; result: Record<string, never> };
  kill: { args: KillArgs; result: KillResult };
  rm: { args: RmArgs; result: { name: string } };
  type: { args: TypeArgs; result: TypeResult };
  peek: { args: PeekArgs; result: PeekResult };
  wait: { args: WaitArgs; result: Record<string, never> };
}
