import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb, many, type VerbMeta } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

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
  enter: { type: "boolean", description: "Press Enter after the text and keys" },
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
    const keys = many(a, "key");
    if (text === undefined && keys.length === 0 && !a.enter) throw new MaestroError("usage", "type: nothing to type; give TEXT, - (stdin), --key or --enter");
    const r = await ask("type", { name: a.name, ...(text !== undefined ? { text } : {}), keys, enter: Boolean(a.enter) });
    if (a.json) printJson(r);
  },
});
