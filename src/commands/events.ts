import { followStream } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { DaemonEvent } from "../protocol/requests.ts";
import { auditLine } from "./audit.ts";

export default defineVerb({
  meta: {
    name: "events",
    description: "Stream audit records and message events live as the daemon records them (operator only)",
    examples: ["maestro events --follow", "maestro events --follow --json | jq 'select(.outcome == \"denied\")'"],
  },
  args: {
    follow: { type: "boolean", description: "Keep streaming (the only mode: events are live)" },
    json: { type: "boolean", description: "One JSON object per line" },
  },
  async run({ args }) {
    if (!args.follow) throw new MaestroError("usage", "events: add --follow (events are a live stream; `maestro audit` lists past records)");
    const print = (e: DaemonEvent) => {
      if (args.json) return out(`${JSON.stringify(e)}\n`);
      if (e.kind === "audit") return out(`${auditLine(e)}\n`);
      out(`${new Date(e.at).toISOString()}  message ${e.event.padEnd(9)} ${e.id}  ${e.from ?? ""} → ${e.to.join(",")}\n`);
    };
    await followStream("events", {}, (e) => print(e as DaemonEvent));
  },
});
