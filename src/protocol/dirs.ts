/**
 * The home and socket directories on disk: created 0700, and refused when another user owns them
 * or group/others can write them (SPEC §2). The daemon (and a client starting one) uses these;
 * a client that only connects checks with checkPrivateDirFast.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { MaestroError } from "./errors.ts";
import { dirname, judgeDir, type Paths } from "./paths.ts";

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
  judgeDir(dir, what, lstatSync(dir));
}

/** Creates and checks the home and the socket's directory. */
export function preparePaths(paths: Paths): void {
  ensurePrivateDir(paths.home, "home");
  const sockDir = dirname(paths.socket);
  if (sockDir !== paths.home) ensurePrivateDir(sockDir, "socket directory");
}
