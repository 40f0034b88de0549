import { ask } from "../cli/client.ts";
import { printList } from "../cli/messages.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseSince } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";
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
    if (args.limit !== undefined) {
      const n = Number(args.limit);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new MaestroError("usage", `--limit must be a whole number from 1 to 10000, not "${args.limit}"`);
      req.limit = n;
    }
    printList(await ask("history", req), Boolean(args.json), "no messages");
  },
});
