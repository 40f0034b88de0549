import { MaestroError } from "../../protocol/errors.ts";
import { keyBytes } from "../../protocol/keys.ts";
import { optBool, optString, optStrings, reqString } from "../args.ts";
import { requireSessionControl } from "../auth.ts";
import type { Handler } from "../types.ts";

/** Text, then named keys, then Enter: written into the PTY as one write. */
export const type: Handler<"type"> = ({ broker, client }, args) => {
  const session = broker.sessions.get(reqString(args, "name"));
  requireSessionControl(client.identity, session.name, "type into");
  let input = optString(args, "text") ?? "";
  for (const k of optStrings(args, "keys")) input += keyBytes(k);
  if (optBool(args, "enter")) input += "\r";
  if (input === "") throw new MaestroError("usage", "nothing to type: give TEXT, --key or --enter");
  if (!session.running) {
    throw new MaestroError("usage", `session "${session.name}" has exited; nothing reads its input (see \`maestro ls\`)`);
  }
  const bytes = new TextEncoder().encode(input);
  session.input(bytes);
  return { name: session.name, bytes: bytes.byteLength };
};
