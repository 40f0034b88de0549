import { out, err } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "group",
    description: "Named groups for fan-out: `send @NAME` reaches every member. add/rm are the operator's.",
    examples: ["maestro group add workers w1 w2 w3", "maestro group rm workers w3", "maestro group rm workers     # the whole group", "maestro group ls --json"],
  },
  args: {
    action: { type: "positional", required: true, description: "add | rm | ls" },
    name: { type: "positional", required: false, description: "The group (with or without @)" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  variadic: true,
  async run({ args }) {
    const [action, name, ...members] = args._;
    if (action !== "add" && action !== "rm" && action !== "ls") {
      throw new MaestroError("usage", `group: unknown action "${action}"; use add, rm or ls`);
    }
    if (action !== "ls" && !name) throw new MaestroError("usage", `group ${action}: name the group`);
    const r = await ask("group", { action, ...(name ? { name: name.replace(/^@/, "") } : {}), members });
    if (args.json) return printJson(r);
    if (action === "ls" && r.groups.length === 0) return void err("no groups\n");
    out(r.groups.map((g) => `@${g.name}  ${g.members.join(" ")}\n`).join("") || `@${name} is now empty\n`);
  },
});
