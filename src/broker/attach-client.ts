/**
 * One more client of a session, whatever carries its bytes: `attach` on the Unix socket and a
 * `maestro.v1` WebSocket `join` both come through here, so they share the client cap, the
 * read-only rule, the size rule (Session.fitClients), the restore and the audit records.
 */
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Attachment, AttachSink, Watermarks } from "../pty/attachment.ts";
import type { Session } from "../pty/session.ts";
import { requireSessionControl } from "./auth.ts";
import type { Broker } from "./types.ts";

export interface AttachOptions {
  name: string;
  cols?: number;
  rows?: number;
  readOnly: boolean;
  /** History lines for the restored screen; default `sessions.attach_history_lines`. */
  history?: number;
  tty?: string;
  /** An output offset the client already has everything before: resume after it if the ring can. */
  since?: number;
  /** Where the client is, for the audit record (a WebSocket's remote address). */
  from?: string;
  /** The client's watermarks; default `sessions.high_water_bytes`/`low_water_bytes`. */
  water?: Watermarks;
  /** Who may type: the default is the operator or the session itself. */
  mayType?: (who: Identity, session: Session) => void;
}

export interface Attached {
  attachment: Attachment;
  session: Session;
  /** The output offset live bytes continue from (where `since` resumed, or the redraw's). */
  seq: number;
  /** Whether `since` was honoured (else a fresh screen is drawn). */
  resumed: boolean;
  /** Forget the client: its side went away (cancel, close). */
  detach(): void;
}

export function attachClient(broker: Broker, who: Identity, key: string, sink: AttachSink, opts: AttachOptions, label: string): Attached {
  const session = broker.sessions.get(opts.name);
  const readOnly = opts.readOnly;
  if (!readOnly) (opts.mayType ?? ((w, s) => requireSessionControl(w, s.name, "attach to (use --read-only to watch)")))(who, session);
  const cols = opts.cols ?? session.cols;
  const rows = opts.rows ?? session.rows;
  const history = opts.history ?? broker.config.sessions.attach_history_lines;
  const cfg = broker.config.sessions;
  if (session.clients.size >= cfg.max_clients) {
    throw new MaestroError("forbidden", `session "${session.name}" already has ${cfg.max_clients} clients (sessions.max_clients)`, { limit: "sessions.max_clients" });
  }
  const a = broker.sessions.attach(key, session, sink, readOnly, cols, rows, opts.water ?? { high: cfg.high_water_bytes, low: cfg.low_water_bytes }, opts.tty);
  const where = opts.from === undefined ? "" : ` from ${opts.from}`;
  broker.log.info(`session ${session.name}: ${who.name} attached${readOnly ? " read-only" : ""} (${label}${where})`);
  broker.audit.record(who.name, "session.attach", session.name, "ok", [readOnly ? "read-only" : "", opts.from ? `from ${opts.from}` : ""].filter(Boolean).join(" "));
  const ring = session.ring;
  const resumable = opts.since !== undefined && opts.since >= ring.start && opts.since <= ring.end;
  const seq = resumable ? opts.since! : ring.end;
  // The reply goes out first; the screen (or the missed bytes) and everything after follow.
  queueMicrotask(() => {
    if (!sink.open) return;
    if (!(resumable && a.resumeFrom(opts.since!))) a.sendSnapshot(resumable ? 0 : session.historyFor(opts.tty, history));
    if (session.running) {
      session.clients.add(a);
      if (session.banner) a.showBanner(session.banner);
    } else {
      sink.event({ type: "exit", code: session.exitCode, signal: session.signal, restarting: false });
      a.close("exited");
    }
  });
  // Refitted now, so the reply says the size the screen will be drawn at.
  if (!readOnly) session.fitClients({ cols, rows });
  return {
    attachment: a,
    session,
    seq,
    resumed: resumable,
    detach: () => {
      a.detached();
      broker.log.info(`session ${session.name}: ${who.name} detached (${label})`);
      broker.audit.record(who.name, "session.detach", session.name, "ok", opts.from ? `from ${opts.from}` : "");
    },
  };
}
