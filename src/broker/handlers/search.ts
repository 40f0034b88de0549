import { MaestroError } from "../../protocol/errors.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/**
 * A query of plain words is searched literally, each word quoted: FTS5 would read `fix-12` as
 * column `fix` minus `12`. A query that uses FTS5 syntax anywhere — an operator word (AND, OR,
 * NOT, NEAR), a double quote, a parenthesis, a `*` prefix, a column filter (`subject:`, `body:`)
 * or `^` — goes to FTS5 as written.
 */
export function ftsQuery(query: string): string {
  const words = query.split(/\s+/).filter(Boolean);
  const syntax = words.some((w) => /^(AND|OR|NOT|NEAR)$|^NEAR\(|^(subject|body)\s*:|^\^/.test(w)) || /["()*{}]/.test(query);
  return syntax ? query : words.map((w) => `"${w}"`).join(" ");
}

/** FTS5 over subject and body, limited to messages the caller sent or received. */
export const search: Handler<"search"> = async ({ broker, client }, args) => {
  const me = client.identity;
  const query = args.query;
  if (query.trim().length === 0) throw new MaestroError("usage", "search: the query is empty");
  await broker.router.indexAll();
  let rows;
  try {
    rows = broker.store.messages.search(ftsQuery(query), me.kind === "operator" ? undefined : me.name, args.limit ?? 50);
  } catch (err) {
    // A query SQLite cannot parse (syntax, an unterminated string, an unknown column filter) is
    // SQLITE_ERROR; busy, I/O and the like keep their own codes and stay internal errors.
    if ((err as { code?: string }).code === "SQLITE_ERROR" || /fts5|syntax/i.test((err as Error).message)) {
      const reason = (err as Error).message.replace(/\s+/g, " ");
      throw new MaestroError(
        "usage",
        `search: FTS5 cannot parse the query ${JSON.stringify(query)} (${reason}); put a word with punctuation or operators in double quotes, e.g. maestro search '"fix-12*"'`,
      );
    }
    throw err;
  }
  return rows.map((m) => messageView(m, broker.store.messages.delivery(me.name, m.id)));
};
