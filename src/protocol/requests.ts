import type { MessageView, Priority } from "./message.ts";

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
  /** Who asked, and how many messages wait unread for them (the same count `inbox --unread` lists). */
  identity: string;
  unread: number;
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

export interface AttachmentUpload {
  name: string;
  /** The file's bytes, base64. Whole attachments ride in the send request so a refused send stores nothing. */
  data: string;
}

export interface ComposeArgs {
  body?: string;
  subject?: string;
  type?: string;
  priority?: Priority;
  ttl_ms?: number;
  meta?: Record<string, string>;
  attachments?: AttachmentUpload[];
  ack?: boolean;
  idempotency_key?: string;
}

export interface SendArgs extends ComposeArgs {
  /** Identity names, @group, or * (everyone but the sender). */
  to: string[];
  reply_to?: string;
  thread?: string;
}

export interface SendResult {
  id: string;
  recipients: string[];
  /** True when an earlier send with the same idempotency key answered; nothing new was stored. */
  duplicate: boolean;
}

export interface ReplyArgs extends ComposeArgs {
  id: string;
}

export interface WaitArgs {
  id: string;
  for: "delivered" | "read" | "reply";
  timeout_ms: number;
}

export interface WaitResult {
  id: string;
  reached: "delivered" | "read" | "reply";
  reply: MessageView | null;
}

export interface InboxArgs {
  /** Whose inbox; default the caller. Only the operator may look at another's (a peek that marks nothing). */
  name?: string;
  unread?: boolean;
  /** Only messages not yet delivered (queued): what a hook has not shown yet. */
  fresh?: boolean;
  from?: string;
  thread?: string;
  /** Epoch milliseconds. */
  since?: number;
  limit?: number;
  /** Keep the stream open: EVENT frames carry each MessageView as it arrives. */
  follow?: boolean;
}

export interface HistoryArgs {
  from?: string;
  to?: string;
  since?: number;
  limit?: number;
}

export interface GroupArgs {
  action: "add" | "rm" | "ls";
  name?: string;
  members?: string[];
}

export interface GroupResult {
  groups: { name: string; members: string[] }[];
}

export type AuditOutcome = "ok" | "denied" | "error";

/** One audit record; `at` is epoch milliseconds. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

/** What `events --follow` streams: audit records and message lifecycle events. */
export type DaemonEvent = ({ kind: "audit" } & AuditEntry) | { kind: "message"; at: number; event: "sent" | "delivered" | "read" | "acked"; id: string; from?: string; to: string[] };

export interface Requests extends SessionRequests {
  status: { args: Record<string, never>; result: StatusResult };
  shutdown: { args: Record<string, never>; result: ShutdownResult };
  register: { args: RegisterArgs; result: RegisterResult };
  whoami: { args: Record<string, never>; result: WhoamiResult };
  send: { args: SendArgs; result: SendResult };
  reply: { args: ReplyArgs; result: SendResult };
  "message.wait": { args: WaitArgs; result: WaitResult };
  inbox: { args: InboxArgs; result: MessageView[] };
  read: { args: { ids: string[] }; result: MessageView[] };
  ack: { args: { ids: string[] }; result: { acked: string[] } };
  thread: { args: { id: string }; result: MessageView[] };
  history: { args: HistoryArgs; result: MessageView[] };
  search: { args: { query: string; limit?: number }; result: MessageView[] };
  dead: { args: { limit?: number }; result: MessageView[] };
  purge: { args: { older_than_ms: number }; result: { messages: number; blobs: number } };
  group: { args: GroupArgs; result: GroupResult };
  audit: { args: { since?: number; limit?: number }; result: AuditEntry[] };
  events: { args: Record<string, never>; result: null };
  metrics: { args: Record<string, never>; result: { text: string } };
  "blob.get": { args: { message: string; sha256: string }; result: { name: string; data: string } };
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
  /**
   * The caller's whole environment as `K=V` (the client sends its own): the program starts with
   * it, as if run where `new` was typed. Absent: the daemon's (which is kept minimal).
   */
  environ?: string[];
  /** `K=V` pairs added on top (`--env`). */
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
  /** `--notify inject`: messages waiting for a notice the program has taken. */
  pending_notices: number;
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
  /**
   * Names the client's terminal (e.g. `/dev/pts/3@<ctime ms>`). Re-attaching from the same
   * terminal then gets only the history that is new since it detached there.
   */
  tty?: string;
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

export interface SessionWaitArgs {
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
  "session.notify": { args: { name: string; mode: NotifyMode }; result: { name: string; notify: NotifyMode } };
  ls: { args: Record<string, never>; result: SessionInfo[] };
  attach: { args: AttachArgs; result: AttachResult };
  resize: { args: ResizeArgs; result: Record<string, never> };
  kill: { args: KillArgs; result: KillResult };
  rm: { args: RmArgs; result: { name: string } };
  type: { args: TypeArgs; result: TypeResult };
  peek: { args: PeekArgs; result: PeekResult };
  wait: { args: SessionWaitArgs; result: Record<string, never> };
}
