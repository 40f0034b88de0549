import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";
import { remoteAttachments } from "./remote-terminal.ts";

/**
 * An attached client's terminal changed size: the session is refitted at once to the smallest
 * writable client (Session.fitClients).
 */
export const resize: Handler<"resize"> = ({ broker, client }, args) => {
  const stream = args.stream;
  const cols = args.cols;
  const rows = args.rows;
  if (stream === undefined || cols === undefined || rows === undefined) throw new MaestroError("usage", "resize needs stream, cols and rows");
  const remote = remoteAttachments.get(`${client.id}:${stream}`);
  if (remote) {
    remote.resize(cols, rows);
    return {};
  }
  const a = broker.sessions.attachments.get(`${client.id}:${stream}`);
  if (!a) throw new MaestroError("not_found", `no attach stream ${stream} on this connection`);
  a.cols = cols;
  a.rows = rows;
  if (!a.readOnly) a.session.fitClients();
  return {};
};
