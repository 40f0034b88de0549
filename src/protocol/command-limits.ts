/**
 * What `new` can start: the kernel's limits on a program path and its arguments, checked before
 * anything is created so an oversized command is a usage error (exit 2) that names the limit,
 * not a failure deep in spawning. Shared by the client (nothing is sent) and the daemon.
 */
import { MaestroError } from "./errors.ts";
import { utf8Length } from "./utf8-length.ts";

/** PATH_MAX (4096 with its NUL): a longer program path cannot be opened. */
export const MAX_PROGRAM_BYTES = 4095;
/** MAX_ARG_STRLEN on Linux (128 KiB with its NUL): exec refuses a longer argument. */
export const MAX_ARGUMENT_BYTES = 131_071;
/** All of it together; exec's ARG_MAX (often 2 MiB) must also hold the environment. */
export const MAX_COMMAND_BYTES = 1024 * 1024;

export function checkCommandSize(command: readonly string[]): void {
  // One pass, plain loops: `new` runs this at start-up, where each array builtin's first call costs.
  let program = 0;
  let longest = 0;
  let longestAt = 0;
  let total = 0;
  for (let i = 0; i < command.length; i++) {
    const n = utf8Length(command[i]!);
    if (i === 0) program = n;
    else if (n > longest) [longest, longestAt] = [n, i];
    total += n + 1;
  }
  if (program > MAX_PROGRAM_BYTES) {
    throw new MaestroError("usage", `new: the program name is ${program} bytes, over the limit of ${MAX_PROGRAM_BYTES} (PATH_MAX); give a shorter path to the program`);
  }
  if (longest > MAX_ARGUMENT_BYTES) {
    throw new MaestroError(
      "usage",
      `new: argument ${longestAt} is ${longest} bytes, over the limit of ${MAX_ARGUMENT_BYTES} per argument; pass large input through a file`,
    );
  }
  if (total > MAX_COMMAND_BYTES) {
    throw new MaestroError("usage", `new: the command is ${total} bytes, over the limit of ${MAX_COMMAND_BYTES} in all; pass large input through a file`);
  }
}
