/** The dispatch table: one entry per request type, one file per handler. */
import type { HandlerTable } from "../types.ts";
import { register } from "./register.ts";
import { shutdown } from "./shutdown.ts";
import { status } from "./status.ts";
import { whoami } from "./whoami.ts";

export const handlers: HandlerTable = {
  status,
  shutdown,
  register,
  whoami,
};
