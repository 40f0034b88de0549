/**
 * A fast check of the two batch kinds (`messages`, `receipts`), the envelopes every message and
 * receipt travels in: the schema library costs ~25 µs an item, this a few. It is never looser
 * than envelope.ts's schema — whatever it accepts the schema accepts (test/federation-check
 * proves it on mutations) — and anything it rejects goes to the schema, which gives the error.
 */
import { HOST_RE } from "../broker/config.ts";
import { NAME_RE } from "../protocol/names.ts";
import { CONTROL_RE } from "../protocol/visible.ts";

/** Items per batch envelope; the drainer also cuts a batch by bytes (BATCH_BYTES). */
export const MAX_BATCH = 512;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const int = (v: unknown): v is number => Number.isSafeInteger(v);
const str = (v: unknown, max: number): v is string => typeof v === "string" && v.length <= max;
const name = (v: unknown) => typeof v === "string" && NAME_RE.test(v);
const host = (v: unknown) => typeof v === "string" && HOST_RE.test(v);
/** Exactly these keys, the optional ones allowed to be absent. */
function keys(o: Obj, required: readonly string[], optional: readonly string[] = []): boolean {
  let n = 0;
  for (const k in o) {
    if (required.includes(k)) n++;
    else if (!optional.includes(k)) return false;
  }
  return n === required.length;
}

const ENVELOPE = ["v", "kind", "from", "to", "at", "body"] as const;
const MESSAGE = ["id", "from", "to", "subject", "body", "type", "priority", "metadata", "ack", "created_at", "expires_at", "in_reply_to", "thread"] as const;
const TYPE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const FILE_RE = /^[^/\\\0]{1,255}$/;
const SHA_RE = /^[0-9a-f]{64}$/;
const STATUSES = new Set(["delivered", "read", "acked", "dead"]);

const ref = (v: unknown) => v === null || (isObj(v) && keys(v, ["host", "id"]) && host(v.host) && int(v.id) && v.id > 0);

function attachment(a: unknown): boolean {
  if (!isObj(a) || !keys(a, ["name", "size", "sha256"])) return false;
  const n = a.name;
  return (
    typeof n === "string" && FILE_RE.test(n) && n !== "." && n !== ".." && !CONTROL_RE.test(n) && Buffer.byteLength(n) <= 255 &&
    int(a.size) && a.size >= 0 && a.size <= 1024 * 1024 * 1024 && typeof a.sha256 === "string" && SHA_RE.test(a.sha256)
  );
}

function message(m: unknown): boolean {
  if (!isObj(m) || !keys(m, MESSAGE, ["attachments"])) return false;
  const to = m.to;
  if (!Array.isArray(to) || to.length < 1 || to.length > 1000 || !to.every(name)) return false;
  if (m.attachments !== undefined) {
    const at = m.attachments;
    if (!Array.isArray(at) || at.length < 1 || at.length > 100 || !at.every(attachment)) return false;
  }
  return (
    int(m.id) && m.id > 0 && name(m.from) && str(m.subject, 1024) && str(m.body, 16 * 1024 * 1024) && typeof m.type === "string" && TYPE_RE.test(m.type) &&
    int(m.priority) && m.priority >= 0 && m.priority <= 3 && (m.metadata === null || str(m.metadata, 64 * 1024)) && (m.ack === 0 || m.ack === 1) &&
    int(m.created_at) && (m.expires_at === null || int(m.expires_at)) && ref(m.in_reply_to) && ref(m.thread)
  );
}

function receipt(r: unknown): boolean {
  if (!isObj(r) || !keys(r, ["id", "states"]) || !int(r.id) || r.id <= 0) return false;
  const s = r.states;
  return Array.isArray(s) && s.length <= 1000 && s.every((x) => isObj(x) && keys(x, ["name", "status", "at"], ["reason"]) && name(x.name) && STATUSES.has(x.status as string) && int(x.at) && (x.reason === undefined || str(x.reason, 1024)));
}

/** True only for a well-formed `messages` or `receipts` envelope (false: ask the schema). */
export function isBatch(raw: unknown): boolean {
  if (!isObj(raw) || !keys(raw, ENVELOPE) || raw.v !== 1 || !host(raw.from) || !host(raw.to) || !int(raw.at)) return false;
  const body = raw.body;
  if (!isObj(body) || !keys(body, ["items"]) || !Array.isArray(body.items) || body.items.length < 1 || body.items.length > MAX_BATCH) return false;
  if (raw.kind === "messages") return body.items.every(message);
  if (raw.kind === "receipts") return body.items.every(receipt);
  return false;
}
