import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { checkCommandSize } from "../../protocol/command-limits.ts";
import { MaestroError } from "../../protocol/errors.ts";
import { checkName, RESERVED_NAMES } from "../../protocol/names.ts";
import type { CheckedArgs, NotifyMode, RestartPolicy } from "../../protocol/requests.ts";
import { startInjection } from "../inject.ts";
import type { Handler } from "../types.ts";

export const newSession: Handler<"new"> = ({ broker, client }, args) => {
  const name = checkName(args.name, "session name");
  if (RESERVED_NAMES.has(name)) throw new MaestroError("usage", `"${name}" is reserved; choose another name`);
  const command = args.command;
  if (command.length === 0 || command[0] === "") throw new MaestroError("usage", "no command given");
  checkCommandSize(command);
  const cwd = args.cwd ?? broker.paths.home;
  if (!isAbsolute(cwd) || !isDir(cwd)) throw new MaestroError("usage", `--cwd ${cwd} is not a directory`);
  const extra: Record<string, string> = {};
  for (const pair of (args.env ?? [])) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) {
      throw new MaestroError("usage", `--env ${JSON.stringify(pair)}: expected K=V with K a variable name`);
    }
    extra[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const notify: NotifyMode = args.notify ?? "none";
  const restart: RestartPolicy = args.restart ?? "no";
  const cols = args.cols ?? 80;
  const rows = args.rows ?? 24;
  const sessions = broker.sessions;
  if (sessions.has(name)) {
    throw new MaestroError("usage", `a session named "${name}" already exists; choose another name, or \`maestro rm ${name}\` first`);
  }
  const limit = broker.config.sessions.max_sessions;
  if (sessions.size >= limit) throw new MaestroError("forbidden", `the daemon already runs ${limit} sessions (sessions.max_sessions)`);

  const env = baseEnvironment(args);
  Object.assign(env, { TERM: "xterm-256color" }, extra);
  // Everything checkable is checked before the identity is issued: a bad command leaves nothing.
  broker.sessions.resolveCommand(command[0]!, cwd, env.PATH);
  const existed = broker.store.identities.get(name) !== undefined;
  const token = broker.store.identities.issue(name, "session", true);
  // Where the kernel ties the session's processes to it (Linux), its token would only be a secret
  // for its neighbours to read from /proc/<pid>/environ: it is not handed out at all.
  Object.assign(env, {
    MAESTRO_SESSION: name,
    MAESTRO_SOCKET: broker.paths.socket,
    MAESTRO_HOME: broker.paths.home,
    ...(broker.pinning ? {} : { MAESTRO_TOKEN: token }),
  });
  try {
    const s = sessions.create({ name, command, cwd, env, notify, restart, cols, rows }, args.log === true);
    if (notify === "inject") startInjection(broker, s);
    broker.log.info(`session ${name} created by ${client.identity.name}: pid ${s.pid}, ${JSON.stringify(command)}`);
    broker.audit.record(client.identity.name, "session.new", name, "ok", command.join(" "));
    return { name, pid: s.pid };
  } catch (err) {
    if (!existed) broker.store.identities.remove(name);
    throw err;
  }
};

/** Never passed on from the caller: its identity, and the daemon's own switch. */
const NOT_INHERITED = ["MAESTRO_TOKEN", "MAESTRO_SESSION", "MAESTRO_DAEMON_BACKGROUND"];

/**
 * The environment the program starts from: the caller's (as if run where `new` was typed), or
 * for a client that sends none the daemon's own minus every MAESTRO_* variable.
 */
function baseEnvironment(args: CheckedArgs<"new">): Record<string, string> {
  const env: Record<string, string> = {};
  if (args.environ === undefined) {
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAESTRO_")) env[k] = v;
    return env;
  }
  for (const pair of args.environ) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || pair.includes("\0")) throw new MaestroError("usage", `environ: ${JSON.stringify(pair.slice(0, 40))} is not K=V`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  for (const k of NOT_INHERITED) delete env[k];
  return env;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

