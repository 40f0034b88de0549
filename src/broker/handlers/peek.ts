import { optBool, optInt, reqString } from "../args.ts";
import type { Handler } from "../types.ts";

export const peek: Handler<"peek"> = ({ broker }, args) => {
  const session = broker.sessions.get(reqString(args, "name"));
  // More than the tracker keeps is simply all of it.
  const lines = Math.min(optInt(args, "lines", 0, 2 ** 31 - 1) ?? 0, broker.config.sessions.scrollback_lines);
  return { name: session.name, text: session.currentScreen().text(lines, optBool(args, "ansi")) };
};
