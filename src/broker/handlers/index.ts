/** The dispatch table: one entry per request type, one file per handler. */
import type { HandlerTable } from "../types.ts";
import { shutdown } from "./shutdown.ts";
import { status } from "./status.ts";

export const handlers: HandlerTable = {
  status,
  shutdown,
};
