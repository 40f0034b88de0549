import { out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import { absolute, resolvePaths } from "../protocol/paths.ts";

export default defineVerb({
  meta: {
    name: "restore",
    description: "Restore a `maestro backup` archive into a stopped, empty home; checks every file's SHA-256 and the store's integrity before anything is moved into place",
    examples: ["maestro restore ~/maestro-2026-12-01.tar", "MAESTRO_HOME=~/.maestro-new maestro restore backup.tar --json"],
  },
  args: {
    file: { type: "positional", required: false, description: "The archive `maestro backup` wrote" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    if (!args.file) throw new MaestroError("usage", "restore: name the archive to read, e.g. `maestro restore ~/maestro.tar`");
    // Loaded only here: it brings SQLite into a client verb.
    const { restoreArchive } = await import("../client/restore.ts");
    const r = restoreArchive(absolute(args.file), resolvePaths());
    if (args.json) return printJson(r);
    out(
      `restored ${r.messages} messages, ${r.blobs} attachments${r.config ? " and the config" : ""} into ${r.home} (backup of ${r.created_at}, maestro ${r.maestro_version}, schema ${r.schema_version}); start it with \`maestro daemon start\`\n`,
    );
  },
});
