import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { COMPOSE_REPEATABLE, composeArgs, composeFlags } from "../cli/compose.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "reply",
    description: "Answer a message: goes to its sender, in the same thread, and marks the original read",
    examples: ["maestro reply 0k3f9a2b1c4 'done: all tests pass'", "make test 2>&1 | tail -20 | maestro reply 0k3f9a2b1c4 -"],
  },
  args: {
    id: { type: "positional", required: true, description: "The message to answer" },
    body: { type: "positional", required: false, description: "The answer; - reads stdin" },
    ...composeFlags,
  },
  repeatable: COMPOSE_REPEATABLE,
  async run({ args }) {
    const sent = await ask("reply", { id: args.id, ...(await composeArgs(args.body, args)) });
    if (args.json) return printJson(sent);
    out(`${sent.id}\n`);
  },
});
