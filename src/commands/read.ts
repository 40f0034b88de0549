import { out, err } from "../cli/io.ts";
import { withClient } from "../cli/client.ts";
import { messageFull } from "../cli/messages.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { prepareDir, saveAttachment } from "../cli/save-attachments.ts";
import { EXIT, MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "read",
    description:
      "Print messages in full and mark them read. Unknown ids (or other people's) exit 3 and mark nothing. With --save-attachments, a message whose attachment cannot be saved stays unread (exit 1); the others are saved and marked.",
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
    const dir = args["save-attachments"];
    await withClient(async (client) => {
      if (!dir) {
        const list = await client.request("read", { ids });
        if (args.json) return printJson(list);
        return out(list.map(messageFull).join("\n────────\n\n"));
      }
      // Shown first, marked read only once every attachment of a message is on disk.
      let list = await client.request("read", { ids, mark: false });
      prepareDir(dir);
      const saved: string[] = [];
      for (const m of list) {
        let whole = true;
        for (const a of m.attachments) {
          try {
            const blob = await client.request("blob.get", { message: m.id, sha256: a.sha256 });
            err(`saved ${saveAttachment(dir, blob.name, Buffer.from(blob.data, "base64"))}\n`);
          } catch (failure) {
            if (client.failure || !(failure instanceof MaestroError)) throw failure;
            err(`maestro: ${failure.message}; message ${m.id} stays unread\n`);
            whole = false;
          }
        }
        if (whole) saved.push(m.id);
      }
      if (saved.length > 0) {
        const marked = new Map((await client.request("read", { ids: saved })).map((m) => [m.id, m]));
        list = list.map((m) => marked.get(m.id) ?? m);
      }
      if (saved.length < list.length) process.exitCode = EXIT.error;
      if (args.json) return printJson(list);
      out(list.map(messageFull).join("\n────────\n\n"));
    });
  },
});
