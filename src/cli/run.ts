/**
 * The command table. Each verb's module is imported only when that verb runs, so `maestro send`
 * never pays for the daemon, SQLite or the terminal emulator.
 */
import { renderUsage, runCommand, type CommandDef } from "citty";
import { EXIT } from "../protocol/errors.ts";
import { VERSION } from "../protocol/version.ts";
import { describeFailure } from "./output.ts";
import { checkFlags, type Verb } from "./verb.ts";

type Loader = () => Promise<Verb>;

// Variance: a verb with specific args is a Verb<ArgsDef> as far as the dispatcher cares.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (p: Promise<{ default: Verb<any> }>) => p.then((m) => m.default as Verb);

export const VERBS: Record<string, Loader> = {
  daemon: () => load(import("../commands/daemon.ts")),
  status: () => load(import("../commands/status.ts")),
  register: () => load(import("../commands/register.ts")),
  whoami: () => load(import("../commands/whoami.ts")),
  new: () => load(import("../commands/new.ts")),
  ls: () => load(import("../commands/ls.ts")),
  attach: () => load(import("../commands/attach.ts")),
  kill: () => load(import("../commands/kill.ts")),
  rm: () => load(import("../commands/rm.ts")),
  type: () => load(import("../commands/type.ts")),
  peek: () => load(import("../commands/peek.ts")),
  wait: () => load(import("../commands/wait.ts")),
};

const main: CommandDef = {
  meta: {
    name: "maestro",
    version: VERSION,
    description: "A terminal-session and message broker for people and AI agents",
  },
  subCommands: VERBS,
};

export async function runCli(argv: string[]): Promise<number> {
  try {
    const dashes = argv.indexOf("--");
    const flags = dashes === -1 ? argv : argv.slice(0, dashes);
    const first = flags.find((a) => !a.startsWith("-"));
    const wantsHelp = flags.includes("--help") || flags.includes("-h");
    if (!first) {
      if (argv.includes("--version") || argv.includes("-v")) {
        process.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      }
      if (wantsHelp || argv.length === 0) {
        process.stdout.write(`${await renderUsage(main)}\n\nRun \`maestro <command> --help\` for a command's flags and examples.\n`);
        return argv.length === 0 ? EXIT.usage : EXIT.ok;
      }
      process.stderr.write(`maestro: unknown flag ${argv[0]}; see \`maestro --help\`\n`);
      return EXIT.usage;
    }
    const loader = Object.hasOwn(VERBS, first) ? VERBS[first] : undefined;
    if (!loader) {
      process.stderr.write(`maestro: unknown command "${first}"; see \`maestro --help\`\n`);
      return EXIT.usage;
    }
    const rest = argv.slice(flags.indexOf(first) + 1);
    const verb = await loader();
    if (wantsHelp) {
      const examples = verb.meta.examples.map((e) => `  $ ${e}`).join("\n");
      process.stdout.write(`${await renderUsage(verb, main)}\n\nExamples:\n${examples}\n`);
      return EXIT.ok;
    }
    checkFlags(verb, rest);
    await runCommand(verb, { rawArgs: rest });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    const { line, exit } = describeFailure(err);
    process.stderr.write(`${line}\n`);
    return exit;
  }
}
