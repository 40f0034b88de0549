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

/** Who the caller is, with its presence (the same as its `agents` entry). */
export type WhoamiResult = AgentInfo;

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
  /**
   * With `follow`: push without marking anything delivered; the follower confirms each message
   * it has passed on with a `delivered` request (an MCP server, once the event is written).
   */
  confirm?: boolean;
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

/** One identity as `identity ls` shows it. */
export interface IdentityInfo {
  name: string;
  kind: "operator" | "agent" | "session";
  created_at: string;
  /** When a connection of this identity last came or went, since the daemon started; null if none. */
  last_seen: string | null;
  /** A connection of this identity is open now. */
  online: boolean;
  /** Its session: running or exited; "removed" once `rm` forgot it or its daemon stopped (it is then out of `*`); null for others. */
  session: "running" | "exited" | "removed" | null;
}

/**
 * An identity and whether anyone is there (`agents`, `whoami`, and the MCP tool `list_agents`).
 * Presence is what the daemon sees now: live subscriptions on open connections, a hook's last
 * call, a session's state and output.
 */
export interface AgentInfo {
  name: string;
  kind: "operator" | "agent" | "session";
  /** A live subscriber (inbox --follow, an MCP server, notices), a hook seen recently, or a running session. */
  online: boolean;
  /** How it is reached now: `follow` (inbox --follow), `mcp` (maestro mcp), `notices` (--notify inject), `hook` (a hook within the last 10 minutes). */
  via: ("follow" | "mcp" | "notices" | "hook")[];
  /** A connection of this identity is open now. */
  connected: boolean;
  /** Its session: running, exited, or removed; null for others. */
  session: "running" | "exited" | "removed" | null;
  /** A running session: busy while its program wrote output within `inject.quiet_ms`, else idle; null for others. */
  activity: "idle" | "busy" | null;
  /** When a connection of it last came or went (or its session last wrote output), since the daemon started; null if never. */
  last_seen: string | null;
  /** When a hook (`inbox --hook`) last asked for its messages; null if never since the daemon started. */
  hook_seen_at: string | null;
  /** Messages waiting unread (the count `inbox --unread` lists). */
  unread: number;
}

export interface IdentityRmResult {
  name: string;
  /** Unread messages to it, now dead-lettered (reason recipient_removed). */
  dead_lettered: number;
  /** Groups it was taken out of. */
  groups: number;
}

export type AuditOutcome = "ok" | "denied" | "error";

/** One audit record; `at` is an ISO 8601 time, like every other time on the wire. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

/** What `events --follow` streams: audit records and message lifecycle events. */
export type DaemonEvent = ({ kind: "audit" } & AuditEntry) | { kind: "message"; at: string; event: "sent" | "delivered" | "read" | "acked"; id: string; from?: string; to: string[] };

export interface Requests extends SessionRequests {
  status: { args: Record<string, never>; result: StatusResult };
  shutdown: { args: { force?: boolean }; result: ShutdownResult };
  register: { args: RegisterArgs; result: RegisterResult };
  whoami: { args: Record<string, never>; result: WhoamiResult };
  send: { args: SendArgs; result: SendResult };
  reply: { args: ReplyArgs; result: SendResult };
  "message.wait": { args: WaitArgs; result: WaitResult };
  inbox: { args: InboxArgs; result: MessageView[] };
  /** Presence of every identity (or of `name`): who is there to answer. */
  agents: { args: { name?: string }; result: AgentInfo[] };
  /** A `confirm` follower passed these messages on: queued → delivered. */
  delivered: { args: { ids: string[] }; result: { delivered: string[] } };
  /** `mark: false` shows without marking (read --save-attachments marks only what it saved). */
  read: { args: { ids: string[]; mark?: boolean }; result: MessageView[] };
  ack: { args: { ids: string[] }; result: { acked: string[] } };
  thread: { args: { id: string }; result: MessageView[] };
  history: { args: HistoryArgs; result: MessageView[] };
  search: { args: { query: string; limit?: number }; result: MessageView[] };
  dead: { args: { limit?: number }; result: MessageView[] };
  purge: { args: { older_than_ms: number }; result: { messages: number; blobs: number } };
  group: { args: GroupArgs; result: GroupResult };
  "identity.ls": { args: Record<string, never>; result: IdentityInfo[] };
  "identity.rm": { args: { name: string }; result: IdentityRmResult };
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
  /** Running: busy while the program wrote output within `inject.quiet_ms`, else idle; null once exited. */
  activity: "idle" | "busy" | null;
  /** How its identity is reached now, as in `agents`: `notices`, `mcp`, `follow`, `hook`. */
  via: AgentInfo["via"];
  unread: number;
  notify: NotifyMode;
  /** `--notify inject`: messages waiting for a notice the program has taken. */
  pending_notices: number;
  /**
   * `--notify inject`: while notices wait because a program they are never typed into is in
   * front (a shell, editor or pager; `inject.hold_for`), its name; "unknown" when the program in
   * front cannot be seen. Null otherwise.
   */
  notices_held_by: string | null;
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

// ── The request table ───────────────────────────────────────────────────────────────────────
//
// One entry per request type: its argument schema, who may call it, whether it opens a stream,
// and what it answers. The daemon checks every request against it before any handler runs;
// docs/protocol.md's request tables are generated from it (scripts/gen-docs.ts), and the HTTP
// API and MCP tools follow it too. Clients import this module's types only, so no client verb
// loads the schema library.

import { z } from "zod";
import * as L from "./limits.ts";

/** Messages say what a field must be; the dispatcher prefixes `argument "field"`. */
const str = () => z.string({ error: "must be a string" });
const nonEmpty = () => z.string({ error: "must be a string" }).min(1, { error: "must not be empty" });
const bool = () => z.boolean({ error: "must be true or false" });
const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
const strings = (max: number) => z.array(z.string({ error: "must be a list of strings" }), { error: "must be a list of strings" }).max(max, { error: `must list at most ${max}` });
const oneOf = <const V extends readonly [string, ...string[]]>(values: V) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(", ")}, not ${JSON.stringify(issue.input)}` });
const name = () => nonEmpty();
const cols = () => int(L.TERMINAL.minCols, L.TERMINAL.maxCols);
const rows = () => int(L.TERMINAL.minRows, L.TERMINAL.maxRows);
const none = z.strictObject({});

/** The field rules, for other schemas that must agree with the table's (the MCP tools). */
export const FIELDS = { str, nonEmpty, bool, int, strings, oneOf, name };

const compose = {
  body: str().optional(),
  subject: str().optional(),
  type: str().optional(),
  priority: oneOf(["urgent", "high", "normal", "low"]).optional(),
  ttl_ms: int(1, L.MAX_TTL_MS).optional(),
  meta: z.record(z.string(), z.string({ error: "must map keys to string values" }), { error: "must be an object of KEY: VALUE strings" }).optional(),
  attachments: z
    .array(z.strictObject({ name: str(), data: z.string({ error: "must be base64 text" }) }, { error: "must be {name, data}" }), { error: "must be a list of {name, data}" })
    .optional(),
  ack: bool().optional(),
  idempotency_key: str().optional(),
};

/** Who may make a request: anyone who said hello, or the operator alone (the phrase finishes "only the operator may …"). */
export type Access = { who: "anyone" } | { who: "operator"; to: string };
const anyone: Access = { who: "anyone" };
const operator = (to: string): Access => ({ who: "operator", to });

export interface RequestSpec<S extends z.ZodType = z.ZodType> {
  args: S;
  access: Access;
  /** `always`: the reply is followed by a stream; `follow`: only with `follow: true`. */
  stream?: "always" | "follow";
  /** The result, and anything a client must know, for docs/protocol.md. */
  result: string;
  /** The table docs/protocol.md puts it in. */
  section: "messages" | "sessions" | "daemon";
}

const spec = <S extends z.ZodType>(s: RequestSpec<S>) => s;

export const REQUESTS = {
  status: spec({ section: "daemon", args: none, access: anyone, result: "`{version, protocol, pid, started_at, uptime_s, home, socket, db: {path, bytes}, connections, sessions, messages, identity, unread}`: `identity` is who asked, `unread` their unread count" }),
  shutdown: spec({
    section: "daemon",
    args: z.strictObject({ force: bool().optional() }),
    access: operator("stop the daemon"),
    result: "`{pid}`. The daemon then closes the store, removes the socket and exits 0; refused (`forbidden`) while sessions run, unless `force`",
  }),
  register: spec({ section: "daemon", args: z.strictObject({ name: name(), rotate: bool().optional() }), access: operator("register identities"), result: "`{name, token, rotated}`; the token is shown only here" }),
  whoami: spec({ section: "daemon", args: none, access: anyone, result: "`AgentInfo` of the caller: `{name, kind, online, via, connected, session, activity, last_seen, hook_seen_at, unread}`; `kind` is `operator`, `agent` or `session`" }),
  agents: spec({
    section: "daemon",
    args: z.strictObject({ name: name().optional() }),
    access: anyone,
    result:
      "`AgentInfo[]`: `{name, kind, online, via: (\"follow\" | \"mcp\" | \"notices\" | \"hook\")[], connected, session, activity: \"idle\" | \"busy\" | null, last_seen, hook_seen_at, unread}`; `name`: that one only (`not_found` if none)",
  }),
  audit: spec({ section: "daemon", args: z.strictObject({ since: int(0, L.MAX_EPOCH_MS).optional(), limit: int(1, L.MAX_AUDIT_LIST).optional() }), access: operator("read the audit log"), result: "`AuditEntry[]`: `{at, actor, action, target, outcome, detail}`" }),
  events: spec({ section: "daemon", args: none, access: operator("follow events"), stream: "always", result: "`null`, then a stream: one EVENT per audit record (`{kind: \"audit\", …AuditEntry}`) or message event (`{kind: \"message\", at, event, id, from?, to}`), until CANCEL" }),
  metrics: spec({ section: "daemon", args: none, access: anyone, result: "`{text}`: the Prometheus exposition `maestro metrics` prints" }),
  "identity.ls": spec({
    section: "daemon",
    args: none,
    access: operator("list identities"),
    result: "`IdentityInfo[]`: `{name, kind, created_at, last_seen, online, session: \"running\" | \"exited\" | \"removed\" | null}`",
  }),
  "identity.rm": spec({
    section: "daemon",
    args: z.strictObject({ name: name() }),
    access: operator("remove identities"),
    result: "`{name, dead_lettered, groups}`: the token is revoked, its connections closed, its unread messages dead-lettered; the history stays and the name is free",
  }),

  send: spec({
    section: "messages",
    args: z.strictObject({ to: strings(L.MAX_RECIPIENTS), reply_to: str().optional(), thread: str().optional(), ...compose }),
    access: anyone,
    result: "`{id, recipients, duplicate}`, sent only after COMMIT. `to`: names, `@group` or `*`; `attachments[].data` is base64",
  }),
  reply: spec({ section: "messages", args: z.strictObject({ id: nonEmpty(), ...compose }), access: anyone, result: "`{id, recipients, duplicate}`; goes to the parent's sender, in its thread" }),
  "message.wait": spec({
    section: "messages",
    args: z.strictObject({ id: nonEmpty(), for: oneOf(["delivered", "read", "reply"]), timeout_ms: int(1, L.MAX_WAIT_MS).optional() }),
    access: anyone,
    result: "`{id, reached, reply: MessageView | null}`; error `timeout` (exit 4)",
  }),
  inbox: spec({
    section: "messages",
    args: z.strictObject({
      name: str().optional(),
      unread: bool().optional(),
      fresh: bool().optional(),
      from: str().optional(),
      thread: str().optional(),
      since: int(0, L.MAX_EPOCH_MS).optional(),
      limit: int(1, L.MAX_LIST).optional(),
      follow: bool().optional(),
      confirm: bool().optional(),
    }),
    access: anyone,
    stream: "follow",
    result:
      "`MessageView[]` (`fresh`: only messages not yet delivered; `name`: another's inbox, operator only, marks nothing). With `follow: true` the result is `[]` and the request becomes a stream: one EVENT per message (`event` = MessageView), what is owed first, until CANCEL. `confirm: true` (with `follow`): nothing is marked delivered until the follower sends `delivered` for it; such a stream may push a message again (after a pause, on redelivery) and each event's `status` is the stored one",
  }),
  delivered: spec({
    section: "messages",
    args: z.strictObject({ ids: strings(L.MAX_IDS) }),
    access: anyone,
    result: "`{delivered: [id]}`: the caller's own deliveries among `ids` that went queued → delivered (an `--ack` message counts one more attempt); ids not addressed to the caller are skipped",
  }),
  read: spec({
    section: "messages",
    args: z.strictObject({ ids: strings(L.MAX_IDS), mark: bool().optional() }),
    access: anyone,
    result: "`MessageView[]`, each with `expired: boolean` (its TTL has run out: not marked read, status `expired`); marks them read unless `mark: false` (a client saving attachments marks after they are saved)",
  }),
  ack: spec({ section: "messages", args: z.strictObject({ ids: strings(L.MAX_IDS) }), access: anyone, result: "`{acked: [id]}`" }),
  thread: spec({ section: "messages", args: z.strictObject({ id: nonEmpty() }), access: anyone, result: "`MessageView[]`" }),
  history: spec({
    section: "messages",
    args: z.strictObject({ from: str().optional(), to: str().optional(), since: int(0, L.MAX_EPOCH_MS).optional(), limit: int(1, L.MAX_LIST).optional() }),
    access: anyone,
    result: "`MessageView[]`",
  }),
  search: spec({ section: "messages", args: z.strictObject({ query: nonEmpty(), limit: int(1, L.MAX_LIST).optional() }), access: anyone, result: "`MessageView[]`" }),
  dead: spec({ section: "messages", args: z.strictObject({ limit: int(1, L.MAX_LIST).optional() }), access: anyone, result: "`MessageView[]`" }),
  purge: spec({ section: "messages", args: z.strictObject({ older_than_ms: int(1, L.MAX_EPOCH_MS) }), access: operator("purge messages"), result: "`{messages, blobs}`" }),
  group: spec({
    section: "messages",
    args: z.strictObject({ action: oneOf(["add", "rm", "ls"]), name: str().optional(), members: strings(L.MAX_RECIPIENTS).optional() }),
    access: anyone,
    result: "`{groups: [{name, members}]}`; `add` and `rm` are the operator's",
  }),
  "blob.get": spec({ section: "messages", args: z.strictObject({ message: nonEmpty(), sha256: nonEmpty() }), access: anyone, result: "`{name, data (base64)}` for a message the caller can see" }),

  new: spec({
    section: "sessions",
    args: z.strictObject({
      name: name(),
      command: strings(4096),
      cwd: str().optional(),
      environ: strings(65_536).optional(),
      env: strings(4096).optional(),
      notify: oneOf(["none", "inject"]).optional(),
      restart: oneOf(["no", "on-failure", "always"]).optional(),
      log: bool().optional(),
      cols: cols().optional(),
      rows: rows().optional(),
    }),
    access: operator("create sessions"),
    result:
      "`{name, pid}`. Checked before anything is made: the name (free, not reserved, not an agent's), `cwd` is an absolute directory, `command[0]` resolves on the child's `PATH`; a failed spawn leaves no session and no new identity",
  }),
  "session.notify": spec({ section: "sessions", args: z.strictObject({ name: name(), mode: oneOf(["none", "inject"]) }), access: anyone, result: "`{name, notify}`; the operator, or the session itself" }),
  ls: spec({
    section: "sessions",
    args: none,
    access: anyone,
    result:
      "`SessionInfo[]`: `{name, command, pid, state: \"running\" | \"exited\", exit_code, signal, clients, cols, rows, created_at, last_activity, unread, notify, pending_notices, restart, restarts, attached: [{id, read_only, backlog, stalled}]}`",
  }),
  attach: spec({
    section: "sessions",
    args: z.strictObject({ name: name(), cols: cols().optional(), rows: rows().optional(), read_only: bool().optional(), history: int(0, L.MAX_ATTACH_HISTORY).optional(), tty: str().optional() }),
    access: anyone,
    stream: "always",
    result: "`{name, detach_key, cols, rows}`, then the attach stream (below). `tty` names the client's terminal (e.g. `/dev/pts/3@<ctime ms>`): a re-attach from it gets only the history new since it detached there. Typing needs the operator or the session itself",
  }),
  resize: spec({ section: "sessions", args: z.strictObject({ stream: int(0, 2 ** 32 - 1), cols: cols(), rows: rows() }), access: anyone, result: "`{}`: the new size of the client behind attach stream `stream` on this connection" }),
  kill: spec({ section: "sessions", args: z.strictObject({ name: name(), signal: str().optional() }), access: anyone, result: "`{name, signal, exited}` after the program exits or the grace period (default signal `SIGHUP`); `usage` if it already exited" }),
  rm: spec({ section: "sessions", args: z.strictObject({ name: name(), force: bool().optional() }), access: anyone, result: "`{name}`; `usage` if running and not `force`" }),
  type: spec({ section: "sessions", args: z.strictObject({ name: name(), text: str().optional(), keys: strings(4096).optional(), enter: bool().optional() }), access: anyone, result: "`{name, bytes}`; `usage` for an unknown key, nothing to type, or an exited session" }),
  peek: spec({ section: "sessions", args: z.strictObject({ name: name(), lines: int(0, L.MAX_WAIT_MS).optional(), ansi: bool().optional() }), access: anyone, result: "`{name, text}`" }),
  wait: spec({
    section: "sessions",
    args: z.strictObject({ name: name(), idle_ms: int(0, L.MAX_WAIT_MS).optional(), exit: bool().optional(), match: str().optional(), timeout_ms: int(0, L.MAX_WAIT_MS).optional() }),
    access: anyone,
    stream: "always",
    result: "`{}`, then a stream carrying one EVENT and END",
  }),
} as const satisfies { [T in RequestType]: RequestSpec };

/**
 * The table accepts everything a well-typed client sends: a request type whose schema and
 * argument type disagree stops the build here, naming it.
 */
type Disagreeing = { [T in RequestType]: Required<ArgsOf<T>> extends Required<z.input<(typeof REQUESTS)[T]["args"]>> ? (Required<z.input<(typeof REQUESTS)[T]["args"]>> extends Required<ArgsOf<T>> ? never : T) : T }[RequestType];
const tableAgrees: [Disagreeing] extends [never] ? true : Disagreeing = true;
void tableAgrees;

/** What a request's arguments are once checked. */
export type CheckedArgs<T extends RequestType> = z.output<(typeof REQUESTS)[T]["args"]>;

/** The first problem with a request's arguments, as the one-line message a client prints. */
export function describeArgsIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid arguments";
  if (issue.code === "unrecognized_keys") return `unknown argument ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  const field = issue.path.map(String).join(".");
  if (issue.message.startsWith("must")) return field ? `argument "${field}" ${issue.message}` : `arguments ${issue.message}`;
  return field ? `argument "${field}": ${issue.message}` : issue.message;
}
