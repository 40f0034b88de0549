import { ask } from "../cli/client.ts";
import { err, out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { IdentityInfo } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "identity",
    description:
      "List messaging identities, or remove one: its token stops working, it leaves * and every group, its unread messages are dead-lettered, its history stays and the name is free (operator only)",
    examples: ["maestro identity ls", "maestro identity ls --json | jq -r '.[] | select(.session == \"removed\") | .name'", "maestro identity rm old-worker"],
  },
  args: {
    action: { type: "positional", required: true, description: "ls | rm" },
    name: { type: "positional", required: false, description: "With rm: the identity" },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    if (args.action === "ls") {
      if (args.name) throw new MaestroError("usage", "identity ls takes no NAME");
      const list = await ask("identity.ls", {});
      if (args.json) return printJson(list);
      return void out(table(list));
    }
    if (args.action !== "rm") throw new MaestroError("usage", `identity: unknown action "${args.action}"; use ls or rm`);
    if (!args.name) throw new MaestroError("usage", "identity rm: name the identity (see `maestro identity ls`)");
    const r = await ask("identity.rm", { name: args.name });
    if (args.json) return printJson(r);
    out(`removed ${r.name}\n`);
    if (r.dead_lettered > 0) err(`${r.dead_lettered} unread message(s) to ${r.name} dead-lettered (see \`maestro dead\`)\n`);
  },
});

function table(list: IdentityInfo[]): string {
  const rows = [["NAME", "KIND", "CREATED", "LAST SEEN", "SESSION"]];
  for (const i of list) rows.push([i.name, i.kind, i.created_at, i.online ? "online" : (i.last_seen ?? "-"), i.session ?? "-"]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join("  ")).join("\n") + "\n";
}
