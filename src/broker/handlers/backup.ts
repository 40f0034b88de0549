import { MaestroError } from "../../protocol/errors.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import { writeBackup } from "../backup.ts";
import type { Handler } from "../types.ts";

export const backup: Handler<"backup"> = async ({ broker, client }, args) => {
  const { file } = args as CheckedArgs<"backup">;
  // The daemon's working directory is not the client's: only an absolute path means one thing.
  if (!file.startsWith("/")) throw new MaestroError("usage", `backup: the path must be absolute, not ${JSON.stringify(file)}`);
  try {
    const r = await writeBackup(broker, file);
    broker.log.info(`backup by ${client.identity.name}: ${r.file} (${r.bytes} bytes, ${r.messages} messages, ${r.blobs} blobs)`);
    if (r.missing_blobs.length > 0) broker.log.warn(`backup ${r.file}: ${r.missing_blobs.length} attachments were missing or damaged and are not in it`);
    broker.audit.record(client.identity.name, "backup", file, "ok", `${r.messages} messages, ${r.blobs} blobs`);
    return r;
  } catch (err) {
    broker.audit.record(client.identity.name, "backup", file, "error", (err as Error).message);
    throw err;
  }
};
