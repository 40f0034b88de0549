import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseDuration } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "purge",
    description: "Delete messages older than a duration, and attachments nothing refers to any more (operator only)",
    examples: ["maestro purge --older-than 30d", "maestro purge --older-than 12h --json"],
  },
  args: {
    "older-than": { type: "string", description: "Age cutoff, e.g. 7d" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    if (!args["older-than"]) throw new MaestroError("usage", "purge: --older-than is required (e.g. --older-than 30d)");
    const r = await ask("purge", { older_than_ms: parseDuration(args["older-than"], "--older-than") });
    if (args.json) return printJson(r);
    out(`purged ${r.messages} messages and ${r.blobs} attachments\n`);
  },
});
