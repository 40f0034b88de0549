/**
 * The verb table. Each verb's module is imported only when that verb runs (and the build splits
 * chunks), so `maestro send` never loads the daemon, SQLite, the terminal emulator or citty.
 */
import { EXIT } from "../protocol/errors.ts";
import { VERSION } from "../protocol/version.ts";
import { err, out } from "./io.ts";
import { describeFailure } from "./output.ts";
import { parseVerbArgs, type Verb } from "./verb.ts";

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
  send: () => load(import("../commands/send.ts")),
  "wait-message": () => load(import("../commands/wait-message.ts")),
  inbox: () => load(import("../commands/inbox.ts")),
  read: () => load(import("../commands/read.ts")),
  ack: () => load(import("../commands/ack.ts")),
  reply: () => load(import("../commands/reply.ts")),
  thread: () => load(import("../commands/thread.ts")),
  history: () => load(import("../commands/history.ts")),
  search: () => load(import("../commands/search.ts")),
  dead: () => load(import("../commands/dead.ts")),
  purge: () => load(import("../commands/purge.ts")),
  group: () => load(import("../commands/group.ts")),
  identity: () => load(import("../commands/identity.ts")),
  host: () => load(import("../commands/host.ts")),
  bench: () => load(import("../commands/bench.ts")),
  audit: () => load(import("../commands/audit.ts")),
  events: () => load(import("../commands/events.ts")),
  metrics: () => load(import("../commands/metrics.ts")),
  completion: () => load(import("../commands/completion.ts")),
  notify: () => load(import("../commands/notify.ts")),
  web: () => load(import("../commands/web.ts")),
  service: () => load(import("../commands/service.ts")),
  doctor: () => load(import("../commands/doctor.ts")),
  backup: () => load(import("../commands/backup.ts")),
  restore: () => load(import("../commands/restore.ts")),
  mcp: () => load(import("../commands/mcp.ts")),
};

export async function runCli(argv: string[]): Promise<number> {
  try {
    const dashes = argv.indexOf("--");
    const flags = dashes === -1 ? argv : argv.slice(0, dashes);
    // A loop, not find(): an array builtin's first call costs start-up time.
    let first: string | undefined;
    for (const a of flags) {
      if (!a.startsWith("-")) {
        first = a;
        break;
      }
    }
    const wantsHelp = flags.includes("--help") || flags.includes("-h");
    if (!first) {
      if (argv.includes("--version") || argv.includes("-v")) {
        out(`${VERSION}\n`);
        return EXIT.ok;
      }
      if (wantsHelp || argv.length === 0) {
        const { mainHelp } = await import("./help.ts");
        out(await mainHelp());
        return argv.length === 0 ? EXIT.usage : EXIT.ok;
      }
      err(`maestro: unknown flag ${argv[0]}; see \`maestro --help\`\n`);
      return EXIT.usage;
    }
    const loader = Object.hasOwn(VERBS, first) ? VERBS[first] : undefined;
    if (!loader) {
      err(`maestro: unknown command "${first}"; see \`maestro --help\`\n`);
      return EXIT.usage;
    }
    const rawArgs = argv.slice(flags.indexOf(first) + 1);
    const verb = await loader();
    if (wantsHelp) {
      const { verbHelp } = await import("./help.ts");
      out(await verbHelp(verb));
      return EXIT.ok;
    }
    await verb.run(parseVerbArgs(verb, rawArgs));
    return Number(process.exitCode ?? EXIT.ok);
  } catch (failure) {
    const { line, exit } = describeFailure(failure);
    err(`${line}\n`);
    return exit;
  }
}
