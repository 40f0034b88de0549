import { ask } from "../cli/client.ts";
import { err, out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { wholeNumber } from "../cli/flags.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseSince } from "../protocol/duration.ts";
import type { AuditEntry } from "../protocol/requests.ts";

export function auditLine(e: AuditEntry): string {
  return `${new Date(e.at).toISOString()}  ${e.outcome.padEnd(6)}  ${e.actor.padEnd(14)}  ${e.action.padEnd(12)}  ${e.target}${e.detail ? `  ${e.detail}` : ""}`;
}

export default defineVerb({
  meta: {
    name: "audit",
    description: "The audit log, newest first: sends, reads, acks, identity changes, sessions (new, kill, rm, attach, detach), auth failures, policy denials, rate limits (operator only)",
    examples: ["maestro audit --since 1h", "maestro audit --json | jq '.[] | select(.outcome == \"denied\")'"],
  },
  args: {
    since: { type: "string", description: "Only newer than a duration (2h) or an ISO time" },
    limit: { type: "string", description: "At most N records (default 100)" },
    json: { type: "boolean", description: "Print a JSON array" },
  },
  async run({ args }) {
    const limit = args.limit === undefined ? undefined : wholeNumber(args.limit, "--limit", 1, 100_000);
    const list = await ask("audit", { ...(args.since ? { since: parseSince(args.since) } : {}), ...(limit ? { limit } : {}) });
    if (args.json) return printJson(list);
    if (list.length === 0) return err("no audit records\n");
    out(list.map(auditLine).join("\n") + "\n");
  },
});
