import { ask } from "../cli/client.ts";
import { formatBytes, formatDuration, printFields, printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "status",
    description: "Show the daemon's version, protocol, pid, uptime, paths and database size (starts the daemon if none runs)",
    examples: ["maestro status", "maestro status --json | jq .pid", "MAESTRO_HOME=/tmp/m maestro status"],
  },
  args: {
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    const s = await ask("status", {});
    if (args.json) return printJson(s);
    printFields([
      ["version", s.version],
      ["protocol", s.protocol],
      ["pid", s.pid],
      ["uptime", formatDuration(s.uptime_s)],
      ["home", s.home],
      ["socket", s.socket],
      ["database", `${s.db.path} (${formatBytes(s.db.bytes)})`],
      ["clients", s.connections],
      ["sessions", s.sessions],
      ["messages", s.messages],
      ["unread", `${s.unread} for ${s.identity}`],
      ...(s.federation
        ? ([
            ["federation", `host ${s.federation.host}, ${s.federation.connected ? "connected" : "not connected"} to ${s.federation.nats}, ${s.federation.hosts} hosts`],
            ["outbox", `${s.federation.outbox} waiting for NATS`],
            ["last error", s.federation.last_error ?? "none"],
          ] as [string, string][])
        : []),
    ]);
  },
});
