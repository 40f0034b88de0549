/**
 * The building blocks of the request table's argument schemas (zod 4), shared with every surface
 * that takes the same fields (the MCP tools). Each says in its error what a field must be; the
 * dispatcher prefixes `argument "field"`. This module loads zod: the daemon and `maestro mcp`
 * import it by value, client verbs never do.
 */
import { z } from "zod";
import * as L from "./limits.ts";
import { PRIORITIES } from "./message.ts";

export const str = () => z.string({ error: "must be a string" });
export const nonEmpty = () => z.string({ error: "must be a string" }).min(1, { error: "must not be empty" });
export const bool = () => z.boolean({ error: "must be true or false" });
export const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
export const strings = (max: number) =>
  z.array(z.string({ error: "must be a list of strings" }), { error: "must be a list of strings" }).max(max, { error: `must list at most ${max}` });
export const oneOf = <const V extends readonly [string, ...string[]]>(values: V) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(", ")}, not ${JSON.stringify(issue.input)}` });
/** Identity, session and group names are checked by the handlers (with their own messages); here: a string. */
export const name = () => nonEmpty();
export const cols = () => int(L.TERMINAL.minCols, L.TERMINAL.maxCols).describe(`Terminal columns, ${L.TERMINAL.minCols}–${L.TERMINAL.maxCols}`);
export const rows = () => int(L.TERMINAL.minRows, L.TERMINAL.maxRows).describe(`Terminal rows, ${L.TERMINAL.minRows}–${L.TERMINAL.maxRows}`);
export const none = () => z.strictObject({});
export const epochMs = () => int(0, L.MAX_EPOCH_MS).describe("Epoch milliseconds");
export const listLimit = () => int(1, L.MAX_LIST).describe(`At most this many (1–${L.MAX_LIST})`);

/** The fields `send` and `reply` share. */
export const composeFields = {
  body: str().optional().describe("The message text (UTF-8); at most limits.body_bytes"),
  subject: str().optional().describe(`One line of at most ${L.MAX_SUBJECT_BYTES} bytes`),
  type: str().optional().describe("request, response, notification (default), task, status, … (a-z 0-9 _ -)"),
  priority: oneOf(PRIORITIES).optional().describe("Default normal"),
  ttl_ms: int(1, L.MAX_TTL_MS).optional().describe("Never delivered after this long; the sweeper marks it expired"),
  meta: z
    .record(z.string(), z.string({ error: "must map keys to string values" }), { error: "must be an object of KEY: VALUE strings" })
    .optional()
    .describe(`String metadata, at most ${L.MAX_META_BYTES} bytes as JSON`),
  attachments: z
    .array(z.strictObject({ name: str(), data: z.string({ error: "must be base64 text" }) }, { error: "must be {name, data}" }), {
      error: "must be a list of {name, data}",
    })
    .optional()
    .describe("Whole files, base64, in the request itself, so a refused send stores nothing"),
  ack: bool().optional().describe("Redeliver to live subscribers until acked, then dead-letter"),
  idempotency_key: str().optional().describe(`1–${L.MAX_IDEMPOTENCY_KEY} characters: the same sender and key within the window return the first id`),
};

/** The first problem with a request's arguments, as the one-line message a client prints. */
export function describeArgsIssue(error: z.ZodError): string {
  // A misspelt field is the likelier mistake than the value it left missing: name it first.
  const issue = error.issues.find((i) => i.code === "unrecognized_keys") ?? error.issues[0];
  if (!issue) return "invalid arguments";
  if (issue.code === "unrecognized_keys") return `unknown argument ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  const field = issue.path.map(String).join(".");
  if (issue.message.startsWith("must")) return field ? `argument "${field}" ${issue.message}` : `arguments ${issue.message}`;
  return field ? `argument "${field}": ${issue.message}` : issue.message;
}
