import { MaestroError } from "../../protocol/errors.ts";
import { keyBytes } from "../../protocol/keys.ts";
import { TYPE_MAX_BYTES } from "../../protocol/limits.ts";
import { requireSessionControl } from "../auth.ts";
import type { Handler } from "../types.ts";

/** Text, then named keys, then Enter: written into the PTY as one write. */
export const type: Handler<"type"> = ({ broker, client }, args) => {
  const session = broker.sessions.get(args.name);
  requireSessionControl(client.identity, session.name, "type into");
  let input = args.text ?? "";
  const keys = (args.keys ?? []);
  // Keys as a real terminal would send them now, in the modes the program set.
  const modes = keys.length > 0 && session.running ? { appCursor: session.applicationCursorKeys() } : {};
  for (const k of keys) input += keyBytes(k, modes);
  if (args.enter) input += "\r";
  if (input === "") throw new MaestroError("usage", "nothing to type: give TEXT, --key or --enter");
  if (!session.running) {
    throw new MaestroError("usage", `session "${session.name}" has exited; nothing reads its input (see \`maestro ls\`)`);
  }
  const bytes = new TextEncoder().encode(input);
  if (bytes.byteLength > TYPE_MAX_BYTES) throw tooMuchToType(bytes.byteLength);
  session.input(bytes);
  return { name: session.name, bytes: bytes.byteLength };
};

export function tooMuchToType(bytes: number): MaestroError {
  return new MaestroError(
    "too_large",
    `type: ${bytes} bytes is over the limit of ${TYPE_MAX_BYTES} bytes (1 MiB) per type; put it in a file the program reads, or send it in pieces`,
  );
}
