/** Rows as the wire shows them: string ids, ISO times, parsed JSON, priority names. */
import { PRIORITIES, formatId, type Attachment, type MessageView } from "../protocol/message.ts";
import type { DeliveryRow, MessageRow } from "./store/messages.ts";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function messageView(m: MessageRow, d?: DeliveryRow): MessageView {
  const view: MessageView = {
    id: formatId(m.id),
    from: m.sender,
    to: JSON.parse(m.recipients) as string[],
    subject: m.subject,
    body: m.body,
    type: m.type,
    priority: PRIORITIES[m.priority] ?? "normal",
    thread_id: formatId(m.thread_id),
    in_reply_to: m.in_reply_to === null ? null : formatId(m.in_reply_to),
    metadata: m.metadata === null ? null : (JSON.parse(m.metadata) as Record<string, string>),
    attachments: m.attachments === null ? [] : (JSON.parse(m.attachments) as Attachment[]),
    ack: m.ack === 1,
    created_at: iso(m.created_at)!,
    expires_at: iso(m.expires_at),
  };
  if (d) {
    view.recipient = d.recipient;
    view.status = d.status;
    view.attempts = d.attempts;
    view.delivered_at = iso(d.delivered_at);
    view.read_at = iso(d.read_at);
    view.acked_at = iso(d.acked_at);
    view.dead_reason = d.dead_reason;
  }
  return view;
}
