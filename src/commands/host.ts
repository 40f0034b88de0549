import { ask } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { DirectoryHost } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "host",
    description:
      "The hosts of the federation (docs/federation.md): ls lists each with its pinned key's fingerprint; forget drops a re-keyed host's pinned key so its new one is accepted (operator only; compare the new fingerprint with that host's operator)",
    examples: ["maestro host ls", "maestro host forget laptop", "maestro host ls --json"],
  },
  args: {
    action: { type: "positional", required: true, description: "ls | forget" },
    host: { type: "positional", required: false, description: "With forget: the host" },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    if (args.action === "ls") {
      if (args.host) throw new MaestroError("usage", "host ls takes no HOST");
      const d = await ask("directory", {});
      if (args.json) return printJson(d.hosts);
      return void out(table(d.host, d.hosts));
    }
    if (args.action !== "forget") throw new MaestroError("usage", `host: unknown action "${args.action}"; use ls or forget`);
    if (!args.host) throw new MaestroError("usage", "host forget: name the host (see `maestro host ls`)");
    const r = await ask("host.forget", { host: args.host });
    if (args.json) return printJson(r);
    out(`forgot ${r.host}'s key ${r.forgot}; ${r.pinned ? `pinned ${r.pinned} (its current entry)` : "its next directory entry will be pinned"}\n`);
  },
});

function table(self: string, hosts: DirectoryHost[]): string {
  const rows = [["HOST", "KEY", "LAST ENTRY", "NAMES"]];
  for (const h of hosts) rows.push([h.host === self ? `${h.host} (this host)` : h.host, h.key, h.at, String(h.names.length)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join("  ")).join("\n") + "\n";
}
