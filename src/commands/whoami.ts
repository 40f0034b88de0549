import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "whoami",
    description: "Print the identity this process acts as (inside a session: that session; else MAESTRO_TOKEN; neither: the operator)",
    examples: ["maestro whoami", "MAESTRO_TOKEN=mst_… maestro whoami --json"],
  },
  args: {
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    const me = await ask("whoami", {});
    if (args.json) return printJson(me);
    out(`${me.name} (${me.kind})\n`);
  },
});
