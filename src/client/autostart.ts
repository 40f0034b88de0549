/**
 * Reaching the daemon: connect, and when nothing answers, start one and wait until it does.
 * Many clients may do this at once; the home's lock lets exactly one daemon win, and every client
 * keeps trying to connect while any daemon holds the lock (running or still starting).
 */
import { MaestroError } from "../protocol/errors.ts";
import { checkPrivateDirFast, dirname, resolvePaths, type Paths } from "../protocol/paths.ts";
import { Client } from "./connection.ts";

/**
 * No daemon behind the socket: the file is missing (ENOENT), a dead daemon's file remains
 * (ECONNREFUSED), or a daemon going away dropped the connect (ECONNRESET, or Bun's bare "Failed
 * to connect"). A permission error is not that: it means the socket is someone else's.
 */
export function isNoDaemon(err: unknown): boolean {
  const e = err as { code?: string; message?: string; syscall?: string };
  if (e?.code === "EACCES" || e?.code === "EPERM") return false;
  if (e?.code === "ENOENT" || e?.code === "ECONNREFUSED" || e?.code === "ECONNRESET") return true;
  return !(err instanceof MaestroError) && /failed to connect/i.test(e?.message ?? "");
}

export interface Reach {
  autostart?: boolean;
  token?: string;
}

/** A daemon that accepted us and then went away without a word: dying, or being replaced. */
function droppedUs(err: unknown): boolean {
  return err instanceof MaestroError && err.details?.closed_without_reason === true;
}

/** Connects and waits for the welcome, so a refusal or a daemon that drops us is known here. */
async function connect(paths: Paths, token: string | undefined): Promise<Client> {
  // The deadline (src/client/deadline.ts) starts only now: a daemon we autostarted already answers.
  const client = await connectChecked(paths, token);
  await client.welcome;
  return client;
}

/**
 * Connects while the socket's directories are checked (on Bun's thread pool), and hands the
 * client over only once they pass: nothing of ours — the hello, a token — is written before.
 */
async function connectChecked(paths: Paths, token: string | undefined): Promise<Client> {
  const connecting = Client.connect({ socket: paths.socket, token, lock: paths.lock });
  connecting.catch(() => {}); // seen below, after the check
  try {
    await checkSocketDir(paths);
  } catch (err) {
    void connecting.then((c) => c.close(), () => {});
    throw err;
  }
  return connecting;
}

/**
 * Runs `fn` on a connection to the daemon, without waiting for the welcome first: the first
 * request `fn` makes leaves in the same write as the hello and shares its round trip. When no
 * daemon answers — none listens, or one dropped us before its welcome, so it ran nothing of ours —
 * this goes the way reachDaemon does (start one, wait for it) and runs `fn` again there.
 */
export async function withDaemon<T>(opts: Reach, fn: (client: Client) => Promise<T>): Promise<T> {
  let first: Client | undefined;
  try {
    first = await connectChecked(resolvePaths(), opts.token);
  } catch (err) {
    if (!isNoDaemon(err) && !droppedUs(err)) throw err;
  }
  if (first) {
    try {
      return await fn(first);
    } catch (err) {
      if (first.answered || !droppedUs(err)) throw err;
    } finally {
      first.close();
    }
  }
  const client = await reachDaemon(opts);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export async function reachDaemon(opts: Reach = {}): Promise<Client> {
  const paths = resolvePaths();
  const autostart = opts.autostart ?? process.env.MAESTRO_NO_AUTOSTART !== "1";
  try {
    return await connect(paths, opts.token);
  } catch (err) {
    // A daemon that dropped us before its welcome is as good as none: start one, try once more.
    if (!isNoDaemon(err) && !droppedUs(err)) throw err;
  }
  if (!autostart) {
    throw new MaestroError(
      "unavailable",
      `no daemon is running on ${paths.socket}; start one with \`maestro daemon start\` (autostart is off: MAESTRO_NO_AUTOSTART=1)`,
      { no_daemon: true },
    );
  }
  // Loaded only now: spawning and the lock's FFI would cost every connecting verb start-up time.
  const { startDaemon } = await import("./spawn.ts");
  await startDaemon(paths);
  return connect(paths, opts.token);
}

/** A socket in a directory someone else controls could be a trap that collects tokens. */
async function checkSocketDir(paths: Paths): Promise<void> {
  for (const dir of new Set([paths.home, dirname(paths.socket)])) {
    try {
      await checkPrivateDirFast(dir, dir === paths.home ? "home" : "socket directory");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") continue; // the daemon will create it
      throw err;
    }
  }
}

