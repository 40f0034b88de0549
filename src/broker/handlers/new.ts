import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { checkCommandSize } from "../../protocol/command-limits.ts";
import { MaestroError } from "../../protocol/errors.ts";
import { checkName, RESERVED_NAMES } from "../../protocol/names.ts";
import type { NotifyMode, RestartPolicy } from "../../protocol/requests.ts";
import { resolveCommand } from "../../pty/registry.ts";
import { optBool, optInt, optString, optStrings } from "../args.ts";
import { requireOperator } from "../auth.ts";
import { startInjection } from "../inject.ts";
import type { Handler } from "../types.ts";

export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

export const newSession: Handler<"new"> = ({ broker, client }, args) => {
  requireOperator(client.identity, "create sessions");
  const name = checkName(optString(args, "name"), "session name");
  if (RESERVED_NAMES.has(name)) throw new MaestroError("usage", `"${name}" is reserved; choose another name`);
  const command = optStrings(args, "command");
  if (command.length === 0 || command[0] === "") throw new MaestroError("usage", "no command given");
  checkCommandSize(command);
  const cwd = optString(args, "cwd") ?? broker.paths.home;
  if (!isAbsolute(cwd) || !isDir(cwd)) throw new MaestroError("usage", `--cwd ${cwd} is not a directory`);
  const extra: Record<string, string> = {};
  for (const pair of optStrings(args, "env")) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) {
      throw new MaestroError("usage", `--env ${JSON.stringify(pair)}: expected K=V with K a variable name`);
    }
    extra[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const notify = oneOf<NotifyMode>(optString(args, "notify") ?? "none", ["none", "inject"], "--notify");
  const restart = oneOf<RestartPolicy>(optString(args, "restart") ?? "no", ["no", "on-failure", "always"], "--restart");
  const cols = optInt(args, "cols", 1, MAX_COLS) ?? 80;
  const rows = optInt(args, "rows", 1, MAX_ROWS) ?? 24;
  const sessions = broker.sessions;
  if (sessions.has(name)) {
    throw new MaestroError("usage", `a session named "${name}" already exists; choose another name, or \`maestro rm ${name}\` first`);
  }
  const limit = broker.config.sessions.max_sessions;
  if (sessions.size >= limit) throw new MaestroError("forbidden", `the daemon already runs ${limit} sessions (sessions.max_sessions)`);

  // The child's environment: the daemon's, minus other identities' secrets, plus ours.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAESTRO_")) env[k] = v;
  Object.assign(env, { TERM: "xterm-256color" }, extra);
  // Everything checkable is checked before the identity is issued: a bad command leaves nothing.
  resolveCommand(command[0]!, cwd, env.PATH);
  const existed = broker.store.identities.get(name) !== undefined;
  const token = broker.store.identities.issue(name, "session", true);
  Object.assign(env, {
    MAESTRO_SESSION: name,
    MAESTRO_TOKEN: token,
    MAESTRO_SOCKET: broker.paths.socket,
    MAESTRO_HOME: broker.paths.home,
  });
  try {
    const s = sessions.create({ name, command, cwd, env, notify, restart, cols, rows }, optBool(args, "log"));
    if (notify === "inject") startInjection(broker, s);
    broker.log.info(`session ${name} created by ${client.identity.name}: pid ${s.pid}, ${JSON.stringify(command)}`);
    broker.audit.record(client.identity.name, "session.new", name, "ok", command.join(" "));
    return { name, pid: s.pid };
  } catch (err) {
    if (!existed) broker.store.identities.remove(name);
    throw err;
  }
};

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new MaestroError("usage", `${flag} must be one of ${allowed.join(", ")}, not "${value}"`);
}
