import { MaestroError } from "../../protocol/errors.ts";
import { Attachment } from "../../pty/attachment.ts";
import { requireSessionControl } from "../auth.ts";
import type { Handler } from "../types.ts";

/**
 * Turns the request into a stream: the restored screen, then live output as DATA; client DATA is
 * keystrokes. The session is as small as its smallest writable client (Session.fitClients).
 */
export const attach: Handler<"attach"> = (ctx, args) => {
  const { broker, client } = ctx;
  const session = broker.sessions.get(args.name);
  // From inside the session its own output would be fed back into it without end (tmux refuses
  // nesting too). The process tree, not MAESTRO_SESSION, says where the client runs.
  const inside = client.peerPid === undefined ? undefined : broker.sessionOfProcess(client.peerPid, 0);
  if (inside !== undefined && "session" in inside && inside.session.name === session.name) {
    throw new MaestroError("forbidden", `cannot attach to ${session.name} from inside it: its output would loop into itself; use another terminal (\`maestro peek ${session.name}\` shows its screen)`);
  }
  const readOnly = args.read_only === true;
  if (!readOnly) requireSessionControl(client.identity, session.name, "attach to (use --read-only to watch)");
  const cols = args.cols ?? session.cols;
  const rows = args.rows ?? session.rows;
  const history = args.history ?? broker.config.sessions.attach_history_lines;
  const tty = args.tty;
  const cfg = broker.config.sessions;
  if (session.clients.size >= cfg.max_clients) {
    throw new MaestroError("forbidden", `session "${session.name}" already has ${cfg.max_clients} clients (sessions.max_clients)`);
  }
  const stream = ctx.openStream();
  const key = `${client.id}:${stream.id}`;
  const a = new Attachment(key, session, stream, readOnly, cols, rows, { high: cfg.high_water_bytes, low: cfg.low_water_bytes }, () =>
    broker.sessions.attachments.delete(key),
    tty,
  );
  broker.sessions.attachments.set(key, a);
  stream.onCancel(() => {
    a.detached();
    broker.log.info(`session ${session.name}: ${client.identity.name} detached (connection ${client.id})`);
    broker.audit.record(client.identity.name, "session.detach", session.name, "ok");
  });
  if (!readOnly) {
    stream.onInput((bytes) => {
      if (!session.running) return;
      session.input(bytes);
    });
  }
  broker.log.info(`session ${session.name}: ${client.identity.name} attached${readOnly ? " read-only" : ""} (connection ${client.id})`);
  broker.audit.record(client.identity.name, "session.attach", session.name, "ok", readOnly ? "read-only" : "");
  // The reply goes out first; the screen and everything after it follow on the stream.
  queueMicrotask(() => {
    if (!stream.open) return;
    a.sendSnapshot(session.historyFor(tty, history));
    if (session.running) {
      session.clients.add(a);
    } else {
      stream.event({ type: "exit", code: session.exitCode, signal: session.signal, restarting: false });
      a.close("exited");
    }
  });
  // Refitted now, so the reply says the size the screen will be drawn at.
  if (!readOnly) session.fitClients({ cols, rows });
  return { name: session.name, detach_key: cfg.detach_key, cols: session.cols, rows: session.rows };
};
