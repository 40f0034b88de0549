import { MaestroError } from "../../protocol/errors.ts";
import { optInt, reqString } from "../args.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** FTS5 over subject and body, limited to messages the caller sent or received. */
export const search: Handler<"search"> = async ({ broker, client }, args) => {
  const me = client.identity;
  const query = reqString(args, "query");
  if (query.trim().length === 0) throw new MaestroError("usage", "search: the query is empty");
  await broker.router.indexAll();
  let rows;
  try {
    rows = broker.store.messages.search(query, me.kind === "operator" ? undefined : me.name, optInt(args, "limit", 1, 10_000) ?? 50);
  } catch (err) {
    // A query SQLite cannot parse (syntax, an unterminated string, an unknown column filter) is
    // SQLITE_ERROR; busy, I/O and the like keep their own codes and stay internal errors.
    if ((err as { code?: string }).code === "SQLITE_ERROR" || /fts5|syntax/i.test((err as Error).message)) {
      throw new MaestroError("usage", `search: invalid query ${JSON.stringify(query)} (${(err as Error).message}); quote phrases with "…"`);
    }
    throw err;
  }
  return rows.map((m) => messageView(m, broker.store.messages.delivery(me.name, m.id)));
};
