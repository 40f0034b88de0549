/**
 * What travels between hosts: one JSON envelope per NATS message, signed by the sending host
 * (header Maestro-Sig: Ed25519 over the exact bytes). Everything inside is checked against a
 * strict schema before anything is stored.
 */
import { z } from "zod";
import { HOST_RE } from "../broker/config.ts";
import { NAME_RE } from "../protocol/names.ts";
import { CONTROL_RE } from "../protocol/visible.ts";
import { isBatch, MAX_BATCH } from "./batch-check.ts";

export const SIG_HEADER = "Maestro-Sig";

/** Names of the JetStream objects (docs/federation.md). */
export const STREAM = "MAESTRO_FED";
export const SUBJECTS = "maestro.fed.in.*";
export const inSubject = (host: string) => `maestro.fed.in.${host}`;
export const durableName = (host: string) => `maestro-in-${host}`;
export const DIRECTORY_BUCKET = "maestro_directory";

const host = z.string().regex(HOST_RE);
const bareName = z.string().regex(NAME_RE);
const ref = z.object({ host, id: z.number().int().positive() }).strict();

/** As `send` checks them: a name a file system can hold and a terminal can print. */
const attachment = z
  .object({
    name: z.string().regex(/^[^/\\\0]{1,255}$/).refine((n) => n !== "." && n !== ".." && !CONTROL_RE.test(n) && Buffer.byteLength(n) <= 255, "not a file name"),
    size: z.number().int().min(0).max(1024 * 1024 * 1024),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const messageBody = z
  .object({
    id: z.number().int().positive(),
    from: bareName,
    to: z.array(bareName).min(1).max(1000),
    subject: z.string().max(1024),
    body: z.string().max(16 * 1024 * 1024),
    type: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
    priority: z.number().int().min(0).max(3),
    metadata: z.string().max(64 * 1024).nullable(),
    ack: z.union([z.literal(0), z.literal(1)]),
    created_at: z.number().int(),
    expires_at: z.number().int().nullable(),
    in_reply_to: ref.nullable(),
    thread: ref.nullable(),
    attachments: z.array(attachment).min(1).max(100).optional(),
  })
  .strict();

const receiptBody = z
  .object({
    id: z.number().int().positive(),
    // dead: redeliveries exhausted there, or refused there (policy, rate limit, attachment); why in reason.
    states: z.array(z.object({ name: bareName, status: z.enum(["delivered", "read", "acked", "dead"]), at: z.number().int(), reason: z.string().max(1024).optional() }).strict()).max(1000),
  })
  .strict();

const nonce = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const controlBody = z
  .object({ nonce, op: z.enum(["peek", "type", "kill"]), caller: bareName, args: z.record(z.string(), z.unknown()) })
  .strict();
const controlReplyBody = z
  .object({ nonce, ok: z.boolean(), result: z.unknown().optional(), error: z.object({ code: z.string().max(64), message: z.string().max(4096) }).strict().optional() })
  .strict();

export { MAX_BATCH };
/** Well under NATS's default max_payload (1 MB), headers included. */
export const BATCH_BYTES = 512 * 1024;

const common = { v: z.literal(1), from: host, to: host, at: z.number().int() };
const envelope = z.discriminatedUnion("kind", [
  z.object({ ...common, kind: z.literal("message"), body: messageBody }).strict(),
  z.object({ ...common, kind: z.literal("receipt"), body: receiptBody }).strict(),
  // Batches: one signature, one publish, one JetStream ack and one commit on the receiver for
  // many messages (or receipts) to the same host. Each item keeps its own origin id, so the
  // receiver's seen-ids still refuse any item it has stored before.
  z.object({ ...common, kind: z.literal("messages"), body: z.object({ items: z.array(messageBody).min(1).max(MAX_BATCH) }).strict() }).strict(),
  z.object({ ...common, kind: z.literal("receipts"), body: z.object({ items: z.array(receiptBody).min(1).max(MAX_BATCH) }).strict() }).strict(),
  z.object({ ...common, kind: z.literal("control"), body: controlBody }).strict(),
  z.object({ ...common, kind: z.literal("control-reply"), body: controlReplyBody }).strict(),
]);
export const controlSubject = (host: string) => `maestro.fed.control.${host}`;

export type Envelope = z.infer<typeof envelope>;
export type MessageBody = z.infer<typeof messageBody>;
export type Ref = z.infer<typeof ref>;
export type ReceiptBody = z.infer<typeof receiptBody>;

/** The sender's `from` may hold anything a hostile peer wrote: parsed strictly, or refused. */
export function parseEnvelope(data: Uint8Array): Envelope | string {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return "not JSON";
  }
  // The hot kinds: checked by hand (never looser than the schema); the rest, and anything the
  // fast check rejects, by the schema, which names what is wrong.
  if (isBatch(raw)) return raw as Envelope;
  return parseBySchema(raw);
}

/** The schema's verdict (exported for the test that holds the fast check to it). */
export function parseBySchema(raw: unknown): Envelope | string {
  const r = envelope.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  return `malformed envelope: ${i.path.join(".")}: ${i.message}`;
}

export function seal(key: CryptoKey, env: Envelope): Promise<{ data: Uint8Array; sig: string }> {
  return sealJson(key, JSON.stringify(env));
}

/** Signs an envelope already serialized (the drainer builds batch envelopes from parts). */
export async function sealJson(key: CryptoKey, json: string): Promise<{ data: Uint8Array; sig: string }> {
  const data = new TextEncoder().encode(json);
  const sig = Buffer.from(await crypto.subtle.sign("Ed25519", key, data)).toString("base64");
  return { data, sig };
}

export async function verifySig(key: CryptoKey, data: Uint8Array, sig: string): Promise<boolean> {
  try {
    return await crypto.subtle.verify("Ed25519", key, Buffer.from(sig, "base64"), new Uint8Array(data));
  } catch {
    return false;
  }
}
