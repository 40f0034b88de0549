/**
 * Where a daemon lives (SPEC §2). Client and daemon compute the same paths from the same
 * environment, and both refuse a directory another user could tamper with (./dirs.ts): a planted
 * socket would otherwise collect every client's token.
 *
 * Plain string work on purpose: every client verb computes these before anything else, and
 * node:path, node:os and node:fs each cost start-up time in a compiled binary.
 */
import { MaestroError } from "./errors.ts";
import { utf8Length } from "./utf8-length.ts";

export interface Paths {
  home: string;
  socket: string;
  db: string;
  log: string;
  lock: string;
  config: string;
}

/** sun_path holds 108 bytes on Linux and 104 on the BSDs, including the terminating NUL. */
export const MAX_SOCKET_PATH = process.platform === "linux" ? 107 : 103;

type Env = Record<string, string | undefined>;

/** `path` made absolute against the working directory, with `.`, `..` and doubled slashes resolved. */
export function absolute(path: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${process.cwd()}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export function join(...parts: string[]): string {
  return absolute(parts.join("/"));
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function homeDir(env: Env): string {
  // HOME is what people set; the password database is the fallback (rarely: cron, some containers).
  return env.HOME || (require("node:os") as typeof import("node:os")).homedir();
}

export function resolvePaths(env: Env = process.env): Paths {
  const home = absolute(env.MAESTRO_HOME || join(homeDir(env), ".maestro"));
  return {
    home,
    socket: resolveSocket(home, env),
    db: join(home, "maestro.db"),
    log: join(home, "daemon.log"),
    lock: join(home, "daemon.lock"),
    config: absolute(env.MAESTRO_CONFIG || join(home, "config.toml")),
  };
}

function resolveSocket(home: string, env: Env): string {
  if (env.MAESTRO_SOCKET) {
    const explicit = absolute(env.MAESTRO_SOCKET);
    if (utf8Length(explicit) > MAX_SOCKET_PATH) {
      throw new MaestroError(
        "usage",
        `MAESTRO_SOCKET is ${utf8Length(explicit)} bytes long, over the ${MAX_SOCKET_PATH} a Unix socket path allows; choose a shorter path`,
      );
    }
    return explicit;
  }
  const inHome = join(home, "maestro.sock");
  if (utf8Length(inHome) <= MAX_SOCKET_PATH) return inHome;
  // One short, stable name per home, so two homes never share a fallback socket.
  const tag = new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 16);
  const base = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "maestro") : `/tmp/maestro-${process.getuid?.() ?? 0}`;
  return join(base, `${tag}.sock`);
}

/**
 * The private-directory check (see ./dirs.ts) through Bun's native stat (no node:fs to load): for clients, on every verb.
 * It follows a symlink — the daemon's own check (lstat) refuses those.
 */
export async function checkPrivateDirFast(dir: string, what: string): Promise<void> {
  judgeDir(dir, what, await Bun.file(dir).stat());
}

export function judgeDir(dir: string, what: string, st: { isDirectory(): boolean; uid: number; mode: number }): void {
  if (!st.isDirectory()) {
    throw new MaestroError("forbidden", `${what} ${dir} is not a directory (a symlink or file is not trusted)`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new MaestroError("forbidden", `refusing ${what} ${dir}: it is owned by uid ${st.uid}, not by you (uid ${uid}); ${elsewhere(what)}`);
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    // chmod 700 on a directory others share (/tmp, a sticky or world-writable one) would break
    // everyone else using it: there, the advice is to move, not to tighten.
    const shared = (st.mode & 0o1002) !== 0 || SHARED_DIRS.has(dir);
    throw new MaestroError(
      "forbidden",
      `refusing ${what} ${dir}: mode ${mode} lets group or others write it; ${shared ? `it is a shared directory, so ${elsewhere(what)}` : `run chmod 700 ${dir}`}`,
    );
  }
}

/** System directories that are shared by nature, whatever their mode says. */
const SHARED_DIRS = new Set(["/", "/tmp", "/var/tmp", "/dev/shm", "/home", "/var", "/usr", "/opt", "/run", "/run/user"]);

function elsewhere(what: string): string {
  return what === "home"
    ? "choose a home of your own instead, e.g. `export MAESTRO_HOME=~/.maestro`"
    : `choose a directory of your own instead (MAESTRO_SOCKET, or XDG_RUNTIME_DIR)`;
}
