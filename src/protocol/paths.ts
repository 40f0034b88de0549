/**
 * Where a daemon lives (SPEC §2). Client and daemon compute the same paths from the same
 * environment, and both refuse a directory another user could tamper with: a planted socket
 * would otherwise collect every client's token.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { MaestroError } from "./errors.ts";

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

export function resolvePaths(env: Env = process.env): Paths {
  const home = resolve(env.MAESTRO_HOME || join(homedir(), ".maestro"));
  return {
    home,
    socket: resolveSocket(home, env),
    db: join(home, "maestro.db"),
    log: join(home, "daemon.log"),
    lock: join(home, "daemon.lock"),
    config: resolve(env.MAESTRO_CONFIG || join(home, "config.toml")),
  };
}

function resolveSocket(home: string, env: Env): string {
  if (env.MAESTRO_SOCKET) {
    const explicit = resolve(env.MAESTRO_SOCKET);
    if (Buffer.byteLength(explicit) > MAX_SOCKET_PATH) {
      throw new MaestroError(
        "usage",
        `MAESTRO_SOCKET is ${Buffer.byteLength(explicit)} bytes long, over the ${MAX_SOCKET_PATH} a Unix socket path allows; choose a shorter path`,
      );
    }
    return explicit;
  }
  const inHome = join(home, "maestro.sock");
  if (Buffer.byteLength(inHome) <= MAX_SOCKET_PATH) return inHome;
  // One short, stable name per home, so two homes never share a fallback socket.
  const tag = new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 16);
  const base = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "maestro") : `/tmp/maestro-${process.getuid?.() ?? 0}`;
  return join(base, `${tag}.sock`);
}

/**
 * Creates `dir` (mode 0700) if missing, then checks that this user owns it and that neither group
 * nor others can write it. Throws a MaestroError naming the reason.
 */
export function ensurePrivateDir(dir: string, what: string): void {
  try {
    // mkdir returns the first directory it made; chmod it so an unusual umask cannot narrow 0700.
    const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (made) chmodSync(dir, 0o700);
  } catch (err) {
    throw new MaestroError("internal", `cannot create ${what} ${dir}: ${(err as Error).message}`);
  }
  checkPrivateDir(dir, what);
}

export function checkPrivateDir(dir: string, what: string): void {
  const st = lstatSync(dir);
  if (!st.isDirectory()) {
    throw new MaestroError("forbidden", `${what} ${dir} is not a directory (a symlink or file is not trusted)`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new MaestroError("forbidden", `refusing ${what} ${dir}: it is owned by uid ${st.uid}, not by you (uid ${uid})`);
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
    throw new MaestroError("forbidden", `refusing ${what} ${dir}: mode ${mode} lets group or others write it; run chmod 700 ${dir}`);
  }
}

/** Creates and checks the home and the socket's directory. */
export function preparePaths(paths: Paths): void {
  ensurePrivateDir(paths.home, "home");
  const sockDir = dirname(paths.socket);
  if (sockDir !== paths.home) ensurePrivateDir(sockDir, "socket directory");
}
