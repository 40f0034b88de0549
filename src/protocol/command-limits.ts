/**
 * What `new` can start: the kernel's limits on a program path and its arguments, checked before
 * anything is created so an oversized command is a usage error (exit 2) that names the limit,
 * not a failure deep in spawning. Shared by the client (nothing is sent) and the daemon.
 */
import { MaestroError } from "./errors.ts";

/** PATH_MAX (4096 with its NUL): a longer program path cannot be opened. */
export const MAX_PROGRAM_BYTES = 4095;
/** MAX_ARG_STRLEN on Linux (128 KiB with its NUL): exec refuses a longer argument. */
export const MAX_ARGUMENT_BYTES = 131_071;
/** All of it together; exec's ARG_MAX (often 2 MiB) must also hold the environment. */
export const MAX_COMMAND_BYTES = 1024 * 1024;

export function checkCommandSize(command: readonly string[]): void {
  const bytes = command.map((a) => Buffer.byteLength(a, "utf8"));
  const program = bytes[0] ?? 0;
  if (program > MAX_PROGRAM_BYTES) {
    throw new MaestroError("usage", `new: the program name is ${program} bytes, over the limit of ${MAX_PROGRAM_BYTES} (PATH_MAX); give a shorter path to the program`);
  }
  const longest = Math.max(0, ...bytes.slice(1));
  if (longest > MAX_ARGUMENT_BYTES) {
    throw new MaestroError(
      "usage",
      `new: argument ${bytes.indexOf(longest, 1)} is ${longest} bytes, over the limit of ${MAX_ARGUMENT_BYTES} per argument; pass large input through a file`,
    );
  }
  const total = bytes.reduce((a, b) => a + b + 1, 0);
  if (total > MAX_COMMAND_BYTES) {
    throw new MaestroError("usage", `new: the command is ${total} bytes, over the limit of ${MAX_COMMAND_BYTES} in all; pass large input through a file`);
  }
}
