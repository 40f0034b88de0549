/**
 * The flags `send` and `reply` share, turned into request arguments. Files are read here, on the
 * client, so the daemon never opens a path on anyone's behalf.
 */
import type { ArgsDef } from "citty";
import { MaestroError } from "../protocol/errors.ts";
import { parseDuration } from "../protocol/duration.ts";
import { MAX_FRAME } from "../protocol/frame.ts";
import { PRIORITIES, type Priority } from "../protocol/message.ts";
import type { ComposeArgs } from "../protocol/requests.ts";
import { checkArgText, textBody } from "./utf8.ts";
import { many } from "./verb.ts";

export const composeFlags = {
  subject: { type: "string", description: "One-line subject" },
  type: { type: "string", description: "request, response, notification (default), task, status, …" },
  priority: { type: "enum", options: [...PRIORITIES] as string[], description: "urgent | high | normal (default) | low" },
  ttl: { type: "string", description: "Drop it unread after this long (e.g. 10m): never delivered or listed once expired" },
  meta: { type: "string", description: "KEY=VALUE metadata (repeatable)" },
  attach: { type: "string", description: "Attach a file (repeatable; ≤ 10 MiB each by default)" },
  ack: { type: "boolean", description: "Redeliver until acked (`maestro ack ID`), then dead-letter" },
  "idempotency-key": { type: "string", description: "Same key from the same sender within 10 min returns the first id" },
  json: { type: "boolean", description: "Print one JSON object" },
} satisfies ArgsDef;

/** The compose flags a message may carry more than once. */
export const COMPOSE_REPEATABLE = ["meta", "attach"] as const;

interface ComposeFlagValues {
  subject?: string;
  type?: string;
  priority?: string;
  ttl?: string;
  ack?: boolean;
  "idempotency-key"?: string;
  meta?: unknown;
  attach?: unknown;
}

/** Reads BODY (`-` = stdin) and the shared flags into request arguments. */
export async function composeArgs(body: string | undefined, flags: ComposeFlagValues): Promise<ComposeArgs> {
  const out: ComposeArgs = {};
  if (body === "-") out.body = textBody(await Bun.stdin.bytes(), "read from stdin");
  else if (body !== undefined) {
    checkArgText(body);
    out.body = body;
  }
  if (flags.subject !== undefined) {
    checkArgText(flags.subject, "--subject");
    out.subject = flags.subject;
  }
  if (flags.type !== undefined) out.type = flags.type;
  if (flags.priority !== undefined) out.priority = flags.priority as Priority;
  if (flags.ttl !== undefined) out.ttl_ms = parseDuration(flags.ttl, "--ttl");
  if (flags.ack) out.ack = true;
  if (flags["idempotency-key"] !== undefined) out.idempotency_key = flags["idempotency-key"];
  const meta = many(flags as Record<string, unknown>, "meta");
  if (meta.length > 0) out.meta = parseMeta(meta);
  const files = many(flags as Record<string, unknown>, "attach");
  if (files.length > 0) out.attachments = files.map(readAttachment);
  return out;
}

function parseMeta(pairs: string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new MaestroError("usage", `--meta "${p}" is not KEY=VALUE`);
    meta[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return meta;
}

/** Base64 grows a file by a third; past this a send could not fit in one frame. */
const MAX_ATTACHMENT_ON_WIRE = Math.floor((MAX_FRAME * 3) / 4) - 64 * 1024;

/** node:fs and node:path cost a verb's start-up; only a send with files pays for them. */
const fs = () => require("node:fs") as typeof import("node:fs");
const basename = (path: string) => (require("node:path") as typeof import("node:path")).basename(path);

function readAttachment(path: string): { name: string; data: string } {
  const { readFileSync, statSync } = fs();
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new MaestroError("usage", `--attach ${path}: is a directory; attach files (tar it first)`);
    size = st.size;
  } catch (err) {
    if (err instanceof MaestroError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new MaestroError("not_found", `--attach ${path}: no such file`);
    if (code === "EACCES") throw new MaestroError("forbidden", `--attach ${path}: permission denied`);
    throw new MaestroError("usage", `--attach ${path}: ${(err as Error).message}`);
  }
  if (size > MAX_ATTACHMENT_ON_WIRE) {
    throw new MaestroError("too_large", `--attach ${path}: ${size} bytes is over what one send carries (${MAX_ATTACHMENT_ON_WIRE})`);
  }
  try {
    return { name: basename(path), data: readFileSync(path).toString("base64") };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MaestroError(code === "EACCES" ? "forbidden" : "usage", `--attach ${path}: ${code === "EACCES" ? "permission denied" : (err as Error).message}`);
  }
}
