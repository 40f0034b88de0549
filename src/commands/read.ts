import { out, err } from "../cli/io.ts";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withClient } from "../cli/client.ts";
import { messageFull } from "../cli/messages.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "read",
    description: "Print messages in full and mark them read. Unknown ids (or other people's) exit 3 and mark nothing.",
    examples: ["maestro read 0k3f9a2b1c4", "maestro read $(maestro inbox --unread --json | jq -r '.[].id')", "maestro read 0k3f9a2b1c4 --save-attachments ./in"],
  },
  args: {
    ids: { type: "positional", required: true, description: "Message ids" },
    "save-attachments": { type: "string", description: "Write the messages' attachments into this directory" },
    json: { type: "boolean", description: "Print a JSON array" },
  },
  variadic: true,
  async run({ args }) {
    const ids = args._.length > 0 ? args._ : [args.ids];
    await withClient(async (client) => {
      const list = await client.request("read", { ids });
      const dir = args["save-attachments"];
      if (dir) {
        mkdirSync(dir, { recursive: true });
        for (const m of list) {
          for (const a of m.attachments) {
            const blob = await client.request("blob.get", { message: m.id, sha256: a.sha256 });
            const path = freePath(dir, safeName(blob.name));
            writeFileSync(path, Buffer.from(blob.data, "base64"), { flag: "wx", mode: 0o600 });
            err(`saved ${path}\n`);
          }
        }
      }
      if (args.json) return printJson(list);
      out(list.map(messageFull).join("\n────────\n\n"));
    });
  },
});

/** A sender chooses attachment names: keep them to one harmless path component. */
function safeName(name: string): string {
  const cleaned = name.replace(/[/\\\0-\x1f\x7f]/g, "_").replace(/^\.+/, "_").slice(0, 200);
  if (!cleaned) throw new MaestroError("usage", "attachment has no usable name");
  return cleaned;
}

/** Never overwrites: `a.txt`, then `a (1).txt`, … */
function freePath(dir: string, name: string): string {
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let i = 0; ; i++) {
    const p = join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
    if (!existsSync(p)) return p;
  }
}
