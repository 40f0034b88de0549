import { ask } from "../cli/client.ts";
import { printList } from "../cli/messages.ts";
import { wholeNumber } from "../cli/flags.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseSince } from "../protocol/duration.ts";
import type { HistoryArgs } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "history",
    description: "Messages you sent or received, newest first (the operator sees all)",
    examples: ["maestro history --since 1h", "maestro history --from orchestrator --to w1 --json"],
  },
  args: {
    from: { type: "string", description: "Only from this sender" },
    to: { type: "string", description: "Only to this recipient" },
    since: { type: "string", description: "Only newer than a duration (2h) or an ISO time" },
    limit: { type: "string", description: "At most N (default 50)" },
    json: { type: "boolean", description: "Print a JSON array" },
  },
  async run({ args }) {
    const req: HistoryArgs = {};
    if (args.from) req.from = args.from;
    if (args.to) req.to = args.to;
    if (args.since) req.since = parseSince(args.since);
    if (args.limit !== undefined) req.limit = wholeNumber(args.limit, "--limit", 1, 10_000);
    printList(await ask("history", req), Boolean(args.json), "no messages");
  },
});
