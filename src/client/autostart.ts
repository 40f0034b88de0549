/**
 * Reaching the daemon: connect, and when nothing answers, start one and wait until it does.
 * Many clients may do this at once; the home's lock lets exactly one daemon win, and every client
 * keeps trying to connect while any daemon holds the lock (running or still starting).
 */
import { spawn } from "node:child_process";
import { MaestroError } from "../protocol/errors.ts";
import { isLocked } from "../protocol/lock.ts";
import { preparePaths, resolvePaths, checkPrivateDir, type Paths } from "../protocol/paths.ts";
import { dirname } from "node:path";
import { Client } from "./connection.ts";
import { selfCommand } from "./self.ts";

const START_TIMEOUT_MS = 10_000;

/** No daemon behind the socket: the file is missing, or a dead daemon's file remains. */
export function isNoDaemon(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "ENOENT" || code === "ECONNREFUSED";
}

export interface Reach {
  autostart?: boolean;
  token?: string;
}

export async function reachDaemon(opts: Reach = {}): Promise<Client> {
  const paths = resolvePaths();
  const autostart = opts.autostart ?? process.env.MAESTRO_NO_AUTOSTART !== "1";
  checkSocketDir(paths);
  try {
    return await Client.connect({ socket: paths.socket, token: opts.token });
  } catch (err) {
    if (!isNoDaemon(err)) throw err;
  }
  if (!autostart) {
    throw new MaestroError(
      "unavailable",
      `no daemon is running on ${paths.socket}; start one with \`maestro daemon start\` (autostart is off: MAESTRO_NO_AUTOSTART=1)`,
    );
  }
  await startDaemon(paths);
  return Client.connect({ socket: paths.socket, token: opts.token });
}

/** A socket in a directory someone else controls could be a trap that collects tokens. */
function checkSocketDir(paths: Paths): void {
  for (const dir of new Set([paths.home, dirname(paths.socket)])) {
    try {
      checkPrivateDir(dir, dir === paths.home ? "home" : "socket directory");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") continue; // the daemon will create it
      throw err;
    }
  }
}

/** Starts a background daemon and resolves once one (it, or a rival that won the lock) answers. */
export async function startDaemon(paths: Paths): Promise<void> {
  preparePaths(paths);
  const [cmd, ...args] = selfCommand();
  const child = spawn(cmd!, [...args, "daemon"], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MAESTRO_DAEMON_BACKGROUND: "1" },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let exitCode: number | null | undefined;
  child.on("exit", (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  child.on("error", (err) => {
    stderr += err.message;
    exitCode = 1;
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  let delay = 2;
  try {
    while (Date.now() < deadline) {
      if (await answers(paths.socket)) return;
      // Our daemon died and no other holds the lock: nothing is coming; say why.
      if (exitCode !== undefined && exitCode !== 0 && !isLocked(paths.lock)) {
        await new Promise((r) => setTimeout(r, 20)); // let the last stderr bytes arrive
        throw new MaestroError("unavailable", `the daemon failed to start: ${lastLine(stderr) || `exit ${exitCode}`}`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 50);
    }
    throw new MaestroError("unavailable", `no daemon answered on ${paths.socket} within ${START_TIMEOUT_MS / 1000} s; see ${paths.log}`);
  } finally {
    child.stderr!.destroy();
    child.unref();
  }
}

async function answers(socket: string): Promise<boolean> {
  try {
    const s = await Bun.connect({ unix: socket, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.replace(/^maestro:\s*/, "") ?? "";
}
