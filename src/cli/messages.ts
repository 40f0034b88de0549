/**
 * How messages look to a person: one line each in lists, headers and body when read. Every field
 * a sender chose has its control characters escaped (src/protocol/visible.ts); --json is exact.
 */
import { out, err } from "./io.ts";
import type { MessageView } from "../protocol/message.ts";
import { visible, visibleLines } from "../protocol/visible.ts";

function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return visible(flat.length > width ? `${flat.slice(0, width - 1)}…` : flat);
}

export function messageLine(m: MessageView): string {
  const status = m.status ?? "sent";
  const what = m.subject ? `${m.subject}${m.body ? ` — ${m.body}` : ""}` : m.body;
  const flags = `${m.priority === "normal" ? "" : `[${m.priority}] `}${m.attachments.length ? `+${m.attachments.length} ` : ""}`;
  return `${m.id}  ${status.padEnd(9)}  ${visible(m.from).padEnd(12)}  ${age(m.created_at).padStart(4)}  ${flags}${oneLine(what, 80)}`;
}

export function messageFull(m: MessageView): string {
  const head: [string, string][] = [
    ["id", m.id],
    ["from", m.from],
    ["to", m.to.join(", ")],
    ["date", m.created_at],
  ];
  if (m.expired) head.push(["expired", `${m.expires_at} (its --ttl ran out${m.status === "expired" ? " before it was read" : ""})`]);
  if (m.subject) head.push(["subject", m.subject]);
  if (m.type !== "notification") head.push(["type", m.type]);
  if (m.priority !== "normal") head.push(["priority", m.priority]);
  if (m.thread_id !== m.id) head.push(["thread", m.thread_id]);
  if (m.in_reply_to) head.push(["in-reply-to", m.in_reply_to]);
  if (m.metadata) for (const [k, v] of Object.entries(m.metadata)) head.push([`meta.${k}`, v]);
  for (const a of m.attachments) head.push(["attachment", `${a.name} (${a.size} bytes, sha256 ${a.sha256.slice(0, 12)}…)`]);
  if (m.status) head.push(["status", m.status + (m.dead_reason ? ` (${m.dead_reason})` : "")]);
  const shown = head.map(([k, v]) => [visible(k), visible(v)] as const);
  const w = Math.max(...shown.map(([k]) => k.length));
  const body = visibleLines(m.body);
  return `${shown.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n\n${body}${body.endsWith("\n") ? "" : "\n"}`;
}

export function printList(list: MessageView[], json: boolean, empty: string): void {
  if (json) {
    out(`${JSON.stringify(list)}\n`);
    return;
  }
  if (list.length === 0) {
    err(`${empty}\n`);
    return;
  }
  out(list.map(messageLine).join("\n") + "\n");
}
