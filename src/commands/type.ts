import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb, many, type VerbMeta } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import { TYPE_MAX_BYTES } from "../protocol/limits.ts";

const meta: VerbMeta = {
  name: "type",
  description: "Write text (literally) and named keys into a session's terminal, as if typed",
  examples: [
    "maestro type w1 'make test' --enter",
    "maestro type w1 --key C-c",
    "echo 'ls -la' | maestro type w1 - --enter",
    "maestro type w1 :wq --enter   # text first, then keys, then Enter",
  ],
};

const args = {
  name: { type: "positional", required: true, description: "The session" },
  text: { type: "positional", required: false, description: "Text to type; - reads it from stdin" },
  enter: { type: "boolean", description: "Press Enter after the text and keys (one trailing newline of TEXT is dropped)" },
  key: { type: "string", description: "A named key (Enter, Tab, Escape, Up, F5, C-c, M-x); repeatable; sent after TEXT" },
  json: { type: "boolean", description: 'Print {"name", "bytes"}' },
} as const;

export default defineVerb({
  meta,
  args,
  repeatable: ["key"],
  async run({ args: a }) {
    let text = a.text;
    if (text === "-") text = await new Response(Bun.stdin.stream()).text();
    // `echo ls | maestro type w1 - --enter`: the line's own newline would be a second Enter.
    if (a.enter && text !== undefined) text = text.replace(/\r?\n$/, "");
    // Checked here too, so a huge stdin never becomes a frame the protocol cannot carry.
    const size = text === undefined ? 0 : Buffer.byteLength(text);
    if (size > TYPE_MAX_BYTES) {
      throw new MaestroError("too_large", `type: ${size} bytes is over the limit of ${TYPE_MAX_BYTES} bytes (1 MiB) per type; put it in a file the program reads, or send it in pieces`);
    }
    const keys = many(a, "key");
    if (text === undefined && keys.length === 0 && !a.enter) throw new MaestroError("usage", "type: nothing to type; give TEXT, - (stdin), --key or --enter");
    const r = await ask("type", { name: a.name, ...(text !== undefined ? { text } : {}), keys, enter: Boolean(a.enter) });
    if (a.json) printJson(r);
  },
});
