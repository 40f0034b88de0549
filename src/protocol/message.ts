/**
 * Messages as both sides see them (SPEC §5). Ids travel as short strings: the base-32 form of a
 * time-sortable integer, so they sort by time as text too.
 */
import { MaestroError } from "./errors.ts";

export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATUSES = ["queued", "delivered", "read", "acked", "expired", "dead"] as const;
export type DeliveryStatus = (typeof STATUSES)[number];

export interface Attachment {
  name: string;
  size: number;
  sha256: string;
}

export interface MessageView {
  id: string;
  from: string;
  to: string[];
  subject: string;
  body: string;
  type: string;
  priority: Priority;
  thread_id: string;
  in_reply_to: string | null;
  metadata: Record<string, string> | null;
  attachments: Attachment[];
  ack: boolean;
  created_at: string;
  expires_at: string | null;
  /** The caller's own delivery of this message, when the caller is a recipient. */
  recipient?: string;
  status?: DeliveryStatus;
  attempts?: number;
  delivered_at?: string | null;
  read_at?: string | null;
  acked_at?: string | null;
  dead_reason?: string | null;
  /** `read` only: its --ttl has run out (a delivery still unread then is expired, not read). */
  expired?: boolean;
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford: no i, l, o, u
const ID_WIDTH = 11; // 2^53 fits in 11 base-32 digits

export function formatId(n: number): string {
  let s = "";
  let v = n;
  do {
    s = ALPHABET[v % 32] + s;
    v = Math.floor(v / 32);
  } while (v > 0);
  return s.padStart(ID_WIDTH, "0");
}

/** Parses a message id; anything malformed is simply "no such message" (exit 3). */
export function parseId(text: string): number {
  const t = text.trim().toLowerCase();
  if (t.length === 0 || t.length > ID_WIDTH) throw noSuchMessage(text);
  let v = 0;
  for (const ch of t) {
    const d = ALPHABET.indexOf(ch);
    if (d < 0) throw noSuchMessage(text);
    v = v * 32 + d;
  }
  if (!Number.isSafeInteger(v)) throw noSuchMessage(text);
  return v;
}

export function noSuchMessage(id: string): MaestroError {
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  return new MaestroError("not_found", `no message ${JSON.stringify(shown)} for you: check the id with \`maestro inbox\``);
}
