import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb, many, type VerbMeta } from "../cli/verb.ts";
import { checkCommandSize } from "../protocol/command-limits.ts";
import { MaestroError } from "../protocol/errors.ts";
import { checkName } from "../protocol/names.ts";
import { absolute } from "../protocol/paths.ts";
import type { NotifyMode, RestartPolicy } from "../protocol/requests.ts";
import { programName, SHELLS } from "../protocol/programs.ts";
import { err, out } from "../cli/io.ts";
import { terminalSize } from "../client/tty-size.ts";

const meta: VerbMeta = {
  name: "new",
  description: "Start a program in a terminal session the daemon owns (default: $SHELL). The session is also a messaging identity.",
  examples: [
    "maestro new w1 -- claude",
    "maestro new build --cwd ~/src/app --env CI=1 --log -- make test",
    "maestro new api --restart on-failure -- node server.js",
    "maestro new sh1 --attach",
  ],
};

const args = {
  name: { type: "positional", required: true, description: "The session's name (1–64 of A-Z a-z 0-9 . _ -)" },
  cwd: { type: "string", description: "Working directory (default: the current one)" },
  env: { type: "string", description: "K=V added to the environment; repeatable" },
  notify: { type: "enum", options: ["none", "inject"] as string[], description: "none | inject: how new messages reach the program (default none)" },
  restart: { type: "enum", options: ["no", "on-failure", "always"] as string[], description: "no | on-failure | always: respawn with backoff when it exits (default no)" },
  log: { type: "boolean", description: "Append all output to $MAESTRO_HOME/logs/<name>.log" },
  attach: { type: "boolean", description: "Attach right after creating it" },
  json: { type: "boolean", description: 'Print {"name", "pid"}' },
} as const;

export default defineVerb({
  meta,
  args,
  repeatable: ["env"],
  command: true,
  async run({ args: a, command: given }) {
    const name = checkName(a.name, "session name");
    const command = given.length > 0 ? given : [process.env.SHELL || "/bin/sh"];
    // Exit 2 means nothing was created: find out before creating the session.
    if (a.attach && !process.stdin.isTTY) {
      throw new MaestroError("usage", "new --attach needs a terminal: stdin is not a TTY; nothing was created (drop --attach, then use `maestro peek` and `maestro type`)");
    }
    checkCommandSize(command);
    const size = terminalSize(1);
    const r = await ask("new", {
      name,
      command,
      cwd: absolute(a.cwd ?? "."),
      // The program starts with our environment, as if run here; the daemon drops our token.
      environ: environ(),
      env: many(a, "env"),
      ...(a.notify !== undefined ? { notify: a.notify as NotifyMode } : {}),
      ...(a.restart !== undefined ? { restart: a.restart as RestartPolicy } : {}),
      log: Boolean(a.log),
      ...(size ?? {}),
    });
    const shell = programName(command[0]!);
    if (a.notify === "inject" && SHELLS.includes(shell)) {
      err(`maestro: warning: ${name} runs ${shell}, a shell: notices are never typed into a shell, so they wait until a program such as an agent is in front (see \`maestro ls\`)\n`);
    }
    if (a.attach) {
      const { attachTerminal } = await import("../client/attach.ts");
      process.exitCode = await attachTerminal(r.name, { readOnly: false });
      return;
    }
    if (a.json) return printJson(r);
    out(`created ${r.name} (pid ${r.pid})\n`);
  },
});

/** Our environment as K=V pairs, in a plain loop (an array builtin's first call costs start-up). */
function environ(): string[] {
  const pairs: string[] = [];
  const env = process.env;
  for (const k in env) {
    const v = env[k];
    if (v !== undefined) pairs.push(`${k}=${v}`);
  }
  return pairs;
}
