import { MaestroError } from "../../protocol/errors.ts";
import { attachClient } from "../attach-client.ts";
import { streamSink } from "../stream.ts";
import type { Handler } from "../types.ts";
import { localName, remoteAttach, remoteHost } from "./remote-terminal.ts";

/**
 * Turns the request into a stream: the restored screen, then live output as DATA; client DATA is
 * keystrokes. The session is as small as its smallest writable client (Session.fitClients).
 */
export const attach: Handler<"attach"> = (ctx, args) => {
  const { broker, client } = ctx;
  const remote = remoteHost(ctx, args.name);
  if (remote) return remoteAttach(ctx, args, remote);
  const name = localName(args.name);
  const session = broker.sessions.get(name);
  // From inside the session its own output would be fed back into it without end (tmux refuses
  // nesting too). The process tree, not MAESTRO_SESSION, says where the client runs: read at
  // hello, which walked the client's ancestry in /proc already (a dozen reads; not twice).
  if (client.insideSession === session.name) {
    throw new MaestroError("forbidden", `cannot attach to ${session.name} from inside it: its output would loop into itself; use another terminal (\`maestro peek ${session.name}\` shows its screen)`);
  }
  const { read_only: ro, cols, rows, history, tty } = args;
  const readOnly = ro === true;
  const cfg = broker.config.sessions;
  // Checked before the stream opens, so a refusal is a plain error reply.
  if (session.clients.size >= cfg.max_clients) {
    throw new MaestroError("forbidden", `session "${session.name}" already has ${cfg.max_clients} clients (sessions.max_clients)`);
  }
  const stream = ctx.openStream();
  let attached;
  try {
    attached = attachClient(broker, client.identity, `${client.id}:${stream.id}`, streamSink(stream), {
      name,
      readOnly,
      ...(cols !== undefined ? { cols } : {}),
      ...(rows !== undefined ? { rows } : {}),
      ...(history !== undefined ? { history } : {}),
      ...(tty !== undefined ? { tty } : {}),
    }, `connection ${client.id}`);
  } catch (err) {
    stream.cancel();
    throw err;
  }
  const { attachment: a, detach } = attached;
  stream.onCancel(detach);
  if (!readOnly) {
    stream.onInput((bytes) => {
      if (!session.running) return;
      session.input(bytes);
    });
  }
  return { name: session.name, detach_key: cfg.detach_key, cols: a.session.cols, rows: a.session.rows };
};

