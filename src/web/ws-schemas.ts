/** What a `maestro.v1` client may send as JSON (docs/protocol.md): each message type's strict schema. */
import { z } from "zod";
import { TERMINAL } from "../protocol/limits.ts";

const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
const cols = () => int(TERMINAL.minCols, TERMINAL.maxCols);
const rows = () => int(TERMINAL.minRows, TERMINAL.maxRows);
export const SCHEMAS = {
  hello: z.strictObject({ type: z.literal("hello"), token: z.string({ error: "must be a string" }).max(4096).optional() }),
  join: z.strictObject({
    type: z.literal("join"),
    session: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).max(64),
    cols: cols(),
    rows: rows(),
    read_only: z.boolean({ error: "must be true or false" }).optional(),
    since: int(0, Number.MAX_SAFE_INTEGER).optional(),
  }),
  resize: z.strictObject({ type: z.literal("resize"), cols: cols(), rows: rows() }),
  ack: z.strictObject({ type: z.literal("ack"), seq: int(0, Number.MAX_SAFE_INTEGER) }),
  leave: z.strictObject({ type: z.literal("leave") }),
  subscribe: z.strictObject({
    type: z.literal("subscribe"),
    topics: z.array(z.enum(["sessions", "messages", "events"], { error: "must be sessions, messages or events" }), { error: "must be a list" }).max(3),
  }),
} as const;
export type Kind = keyof typeof SCHEMAS;
export type Msg<K extends Kind> = z.output<(typeof SCHEMAS)[K]>;
