import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "rm",
    description: "Remove an exited session (its screen and output). Its messaging identity and history stay.",
    examples: ["maestro rm w1", "maestro rm w1 --force   # kill it first if it still runs"],
  },
  args: {
    name: { type: "positional", required: true, description: "The session" },
    force: { type: "boolean", description: "Kill a running program (SIGKILL to its process group) first" },
  },
  async run({ args }) {
    const r = await ask("rm", { name: args.name, force: Boolean(args.force) });
    out(`removed ${r.name}\n`);
  },
});
