import { MaestroError } from "../../protocol/errors.ts";
import { optInt } from "../args.ts";
import type { Handler } from "../types.ts";
import { MAX_COLS, MAX_ROWS } from "./new.ts";

/**
 * An attached client's terminal changed size. It is remembered for that client and applied to the
 * session when that client types next (the size follows the client that typed last), or at once
 * if it is already the one whose size the session has.
 */
export const resize: Handler<"resize"> = ({ broker, client }, args) => {
  const stream = optInt(args, "stream", 0, 2 ** 32 - 1);
  const cols = optInt(args, "cols", 1, MAX_COLS);
  const rows = optInt(args, "rows", 1, MAX_ROWS);
  if (stream === undefined || cols === undefined || rows === undefined) throw new MaestroError("usage", "resize needs stream, cols and rows");
  const a = broker.sessions.attachments.get(`${client.id}:${stream}`);
  if (!a) throw new MaestroError("not_found", `no attach stream ${stream} on this connection`);
  const current = a.session.cols === a.cols && a.session.rows === a.rows;
  a.cols = cols;
  a.rows = rows;
  if (!a.readOnly && current && a.session.running) a.session.resize(cols, rows);
  return {};
};
