/**
 * Starting a background daemon, for a client that found none. Kept apart from autostart.ts so
 * the common case — a daemon is running — never loads child_process or the lock's FFI.
 */
import { spawn } from "node:child_process";
import { MaestroError } from "../protocol/errors.ts";
import { isLocked } from "../protocol/lock.ts";
import { preparePaths } from "../protocol/dirs.ts";
import type { Paths } from "../protocol/paths.ts";
import { selfCommand } from "./self.ts";

const START_TIMEOUT_MS = 10_000;

/** Starts a background daemon and resolves once one (it, or a rival that won the lock) answers. */
export async function startDaemon(paths: Paths): Promise<void> {
  preparePaths(paths);
  const [cmd, ...args] = selfCommand();
  const child = spawn(cmd!, [...args, "daemon"], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...daemonEnvironment(process.env), MAESTRO_DAEMON_BACKGROUND: "1" },
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

/**
 * What a daemon inherits from whichever client started it: only what it needs to find its files
 * and run programs. Everything else — an agent's MAESTRO_TOKEN, API keys, the caller's whole
 * shell — stays out; sessions get the environment of the client that creates them instead.
 */
const DAEMON_ENV = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TMPDIR", "XDG_RUNTIME_DIR", "MAESTRO_HOME", "MAESTRO_SOCKET", "MAESTRO_CONFIG", "MAESTRO_LOG_LEVEL"];

export function daemonEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && (DAEMON_ENV.includes(k) || k.startsWith("LC_"))) out[k] = v;
  }
  return out;
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
