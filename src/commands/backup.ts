import { ask } from "../cli/client.ts";
import { err, out } from "../cli/io.ts";
import { formatBytes, printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import { absolute } from "../protocol/paths.ts";

export default defineVerb({
  meta: {
    name: "backup",
    description: "Write a consistent archive of the store, attachments and config while the daemon runs (operator only); `maestro restore` reads it",
    examples: ["maestro backup ~/maestro-$(date +%F).tar", "maestro backup /mnt/backups/maestro.tar --json"],
  },
  args: {
    file: { type: "positional", required: false, description: "The archive to write (replaced if it exists)" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    if (!args.file) throw new MaestroError("usage", "backup: name the archive to write, e.g. `maestro backup ~/maestro.tar`");
    const r = await ask("backup", { file: absolute(args.file) });
    if (args.json) return printJson(r);
    out(`wrote ${r.file} (${formatBytes(r.bytes)}): ${r.messages} messages, ${r.blobs} attachments${r.config ? ", config" : ""}; schema ${r.schema_version}\n`);
    if (r.missing_blobs.length > 0) err(`warning: ${r.missing_blobs.length} attachments were missing or damaged in the home and are not in the archive\n`);
  },
});
