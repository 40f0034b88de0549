/**
 * A private tmux server (its own socket, no config file), so the bench never touches a user's own
 * tmux and always measures tmux's defaults. The socket lives in a temp dir rather than under
 * `-L name`: tmux leaves its socket file behind after kill-server, and the temp dir takes it away.
 */
import { cleanEnv, mustRun, type Env } from "./proc.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

export interface TmuxServer {
  /** The argv of a tmux client talking to this server: `[...tmux.cmd, "send-keys", …]`. */
  cmd: string[];
  env: Env;
  session: string;
}

/** Starts the server with one detached session running `command` (a shell command line). */
export async function startTmux(scope: Scope, command: string, session = "bench"): Promise<TmuxServer> {
  const sock = `${tempDir(scope, "mbt")}/tmux.sock`;
  const cmd = ["tmux", "-S", sock, "-f", "/dev/null"];
  // Without TMUX, a bench run from inside tmux still gets its own server.
  const env = cleanEnv();
  delete env.TMUX;
  await mustRun([...cmd, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], { env, timeoutMs: 5_000 });
  scope.defer(`kill tmux server ${sock}`, () => mustRun([...cmd, "kill-server"], { env, timeoutMs: 5_000 }));
  return { cmd, env, session };
}
