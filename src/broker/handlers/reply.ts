import { MaestroError } from "../../protocol/errors.ts";
import { visibleMessage } from "../messaging/compose.ts";
import type { Identity } from "../../protocol/messages.ts";
import { auditedSend, type SendAudit } from "../audit.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import type { Broker, Handler } from "../types.ts";

/** Answers the original sender, in the same thread, and marks the original read. */
export const reply: Handler<"reply"> = ({ broker, client }, args) =>
  auditedSend(broker, client.identity.name, "reply", args.id, (ok) => answer(broker, client.identity, args, ok));

async function answer(broker: Broker, me: Identity, args: CheckedArgs<"reply">, ok: SendAudit) {
  const client = { identity: me };
  const parentId = args.id;
  const parent = visibleMessage(broker.store, client.identity, parentId);
  // Checked before the "Re: …" subject is filled in, which would otherwise make any reply non-empty.
  if ((args.body ?? "").length === 0 && (args.subject ?? "").trim().length === 0) {
    throw new MaestroError("usage", "reply: the answer is empty: give a body (an argument, or - for stdin) or --subject");
  }
  const subject = args.subject ?? (parent.subject && !/^re:/i.test(parent.subject) ? `Re: ${parent.subject}` : parent.subject);
  const { id: _parent, ...compose } = args;
  const out = await broker.router.send(client.identity, { ...compose, subject, to: [parent.sender], reply_to: parentId }, ok);
  await broker.router.markRead(client.identity, [parent.id]);
  return out;
}
