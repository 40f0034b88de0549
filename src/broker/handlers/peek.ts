import { optBool, optInt, reqString } from "../args.ts";
import type { Handler } from "../types.ts";

export const peek: Handler<"peek"> = ({ broker }, args) => {
  const session = broker.sessions.get(reqString(args, "name"));
  const lines = optInt(args, "lines", 0, broker.config.sessions.scrollback_lines) ?? 0;
  return { name: session.name, text: session.currentScreen().text(lines, optBool(args, "ansi")) };
};
