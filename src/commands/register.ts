import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";
import { resolvePaths } from "../protocol/paths.ts";

export default defineVerb({
  meta: {
    name: "register",
    description:
      "Create an identity for an agent maestro did not start (or a cron job) and print its token, once. Operator only.",
    examples: [
      "maestro register reviewer",
      "eval \"$(maestro register reviewer --shell)\"   # then: maestro whoami → reviewer",
      "maestro register reviewer --rotate --json     # new token; the old one stops working",
    ],
  },
  args: {
    name: { type: "positional", required: true, description: "The identity's name (1–64 of A-Z a-z 0-9 . _ -)" },
    rotate: { type: "boolean", description: "Issue a new token for an existing identity; the old one stops working" },
    json: { type: "boolean", description: 'Print {"name": …, "token": …}' },
    shell: { type: "boolean", description: "Print `export MAESTRO_TOKEN=…` lines for eval" },
  },
  async run({ args }) {
    if (args.json && args.shell) throw new MaestroError("usage", "register: choose one of --json and --shell");
    const r = await ask("register", { name: args.name, rotate: Boolean(args.rotate) });
    if (args.json) return printJson({ name: r.name, token: r.token });
    if (args.shell) {
      out(`export MAESTRO_SOCKET=${shellQuote(resolvePaths().socket)}\nexport MAESTRO_TOKEN=${shellQuote(r.token)}\n`);
      return;
    }
    out(
      `${r.rotated ? "rotated" : "registered"} ${r.name}; its token (shown only now):\n${r.token}\n` +
        `give it to the agent as MAESTRO_TOKEN (\`maestro register ${r.name} --shell\` prints export lines)\n`,
    );
  },
});

/** One POSIX shell word, whatever the path holds: `it's` → 'it'\''s'. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
