import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

/** Deletes messages older than the cutoff with their deliveries, then blobs nothing refers to. */
export const purge: Handler<"purge"> = async ({ broker, client }, args) => {
  const olderThan = args.older_than_ms;
  if (olderThan === undefined) throw new MaestroError("usage", "purge: --older-than is required (e.g. 30d)");
  // The delete trigger removes index entries only for indexed rows; index first so none is missed.
  await broker.router.indexAll();
  const messages = await broker.router.writer.write(() => broker.store.messages.purge(Date.now() - olderThan));
  const blobs = await broker.blobs.sweep(broker.store.messages.attachmentDigests());
  broker.log.info(`purge by ${client.identity.name}: ${messages} messages, ${blobs} blobs`);
  broker.audit.record(client.identity.name, "purge", "", "ok", `${messages} messages, ${blobs} blobs`);
  return { messages, blobs };
};
