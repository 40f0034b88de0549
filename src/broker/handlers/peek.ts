import type { Handler } from "../types.ts";

export const peek: Handler<"peek"> = ({ broker }, args) => {
  const session = broker.sessions.get(args.name);
  // More than the tracker keeps is simply all of it.
  const lines = Math.min(args.lines ?? 0, broker.config.sessions.scrollback_lines);
  return { name: session.name, text: session.currentScreen().text(lines, args.ansi === true) };
};
