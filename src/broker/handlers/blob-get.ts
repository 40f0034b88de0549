import { MaestroError } from "../../protocol/errors.ts";
import type { Attachment } from "../../protocol/message.ts";
import { visibleMessage } from "../messaging/compose.ts";
import type { Handler } from "../types.ts";

/** An attachment's bytes, for someone who can see a message that carries it. */
export const blobGet: Handler<"blob.get"> = async ({ broker, client }, args) => {
  const m = visibleMessage(broker.store, client.identity, args.message);
  const sha = args.sha256;
  const att = (JSON.parse(m.attachments ?? "[]") as Attachment[]).find((a) => a.sha256 === sha);
  if (!att) throw new MaestroError("not_found", `message has no attachment ${sha.slice(0, 12)}…`);
  const bytes = await broker.blobs.get(sha);
  if (!bytes) throw new MaestroError("not_found", `attachment ${att.name} is missing from the blob store (purged?)`);
  return { name: att.name, data: Buffer.from(bytes).toString("base64") };
};
