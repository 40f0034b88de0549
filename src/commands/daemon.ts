import { err, out } from "../cli/io.ts";
import { reachDaemon, isNoDaemon } from "../client/autostart.ts";
import { startDaemon } from "../client/spawn.ts";
import { Client } from "../client/connection.ts";
import { describeFailure, printFields, printJson, formatDuration } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { EXIT, MaestroError } from "../protocol/errors.ts";
import { isLocked } from "../protocol/lock.ts";
import { resolvePaths } from "../protocol/paths.ts";

const STOP_TIMEOUT_MS = 10_000;

export default defineVerb({
  meta: {
    name: "daemon",
    description:
      "Run the broker in the foreground (no action), or manage a background one: start (idempotent), stop, restart, status",
    examples: [
      "maestro daemon                # foreground, for systemd, launchd and containers",
      "maestro daemon start",
      "maestro daemon status --json",
      "maestro daemon restart",
      "maestro daemon stop --force   # even while sessions run (they end)",
    ],
  },
  args: {
    action: { type: "positional", required: false, description: "start | stop | restart | status" },
    json: { type: "boolean", description: "With status: print one JSON object" },
    force: { type: "boolean", description: "With stop/restart: stop even while sessions run (they end)" },
  },
  async run({ args }) {
    switch (args.action) {
      case undefined: {
        const { runDaemon } = await import("../broker/daemon.ts");
        let code: number;
        try {
          code = await runDaemon({ foreground: process.env.MAESTRO_DAEMON_BACKGROUND !== "1" });
        } catch (failure) {
          // A daemon that failed half-way may hold sockets or timers that would keep it alive.
          const { line, exit } = describeFailure(failure);
          err(`${line}\n`);
          process.exit(exit);
        }
        // Everything is closed and logged synchronously by now; don't wait on stray timers.
        process.exit(code);
      }
      case "start":
        return start();
      case "stop":
        return void (await stop(true, Boolean(args.force)));
      case "restart":
        await stop(false, Boolean(args.force));
        return start();
      case "status":
        return status(Boolean(args.json));
      default:
        throw new MaestroError("usage", `daemon: unknown action "${args.action}"; expected start, stop, restart or status`);
    }
  },
});

/**
 * The running daemon, or undefined when none runs. A daemon that is up but refuses this
 * connection (full, or over a cap) or does not answer in time is running: that is thrown, never
 * reported as "not running".
 */
async function connectIfRunning(): Promise<Client | undefined> {
  try {
    // As the caller's own identity: an agent's MAESTRO_TOKEN must not stop the daemon.
    return await reachDaemon({ autostart: false, token: process.env.MAESTRO_TOKEN || undefined });
  } catch (err) {
    if (err instanceof MaestroError && err.details?.no_daemon === true) return undefined;
    if (isNoDaemon(err)) return undefined;
    throw err;
  }
}

/** The pid of a daemon that refused us for a connection limit (it runs, but is full for us). */
function fullDaemonPid(err: unknown): number | undefined {
  const pid = err instanceof MaestroError && err.details?.limit !== undefined ? err.details.daemon_pid : undefined;
  return typeof pid === "number" ? pid : undefined;
}

async function start(): Promise<void> {
  let running: Client | undefined;
  try {
    running = await connectIfRunning();
  } catch (err) {
    const pid = fullDaemonPid(err);
    if (pid === undefined) throw err;
    out(`daemon already running (pid ${pid}), but full: ${(err as Error).message}\n`);
    return;
  }
  if (running) {
    out(`daemon already running (pid ${(await running.welcome).pid})\n`);
    running.close();
    return;
  }
  await startDaemon(resolvePaths());
  const client = await reachDaemon({ autostart: false });
  out(`daemon started (pid ${(await client.welcome).pid})\n`);
  client.close();
}

/** Asks the daemon to stop and waits until its process is gone. */
async function stop(verbose: boolean, force: boolean): Promise<void> {
  const client = await connectIfRunning();
  if (!client) {
    if (verbose) out("daemon not running\n");
    return;
  }
  let pid: number;
  try {
    ({ pid } = await client.request("shutdown", force ? { force } : {}));
  } catch (err) {
    client.close();
    throw err;
  }
  await client.closed();
  // The kernel drops the home's lock when the process is gone; kill(pid, 0) would still see a
  // zombie that nobody has reaped yet.
  const lock = resolvePaths().lock;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isLocked(lock)) {
    if (Date.now() > deadline) throw new MaestroError("timeout", `daemon pid ${pid} did not exit within ${STOP_TIMEOUT_MS / 1000} s`);
    await Bun.sleep(5);
  }
  if (verbose) out(`daemon stopped (pid ${pid})\n`);
}

async function status(json: boolean): Promise<void> {
  let client: Client | undefined;
  try {
    client = await connectIfRunning();
  } catch (err) {
    const pid = fullDaemonPid(err);
    if (pid === undefined) throw err;
    const e = err as MaestroError;
    if (json) printJson({ running: true, pid, full: true, limit: e.details?.limit, reason: e.message });
    else out(`running  pid ${pid}, full for this connection: ${e.message}\n`);
    process.exitCode = e.exitCode;
    return;
  }
  if (!client) {
    const paths = resolvePaths();
    if (json) printJson({ running: false, socket: paths.socket, home: paths.home });
    else out(`daemon not running (socket ${paths.socket})\n`);
    process.exitCode = EXIT.unavailable;
    return;
  }
  try {
    const s = await client.request("status", {});
    if (json) return printJson({ running: true, ...s });
    printFields([
      ["running", `pid ${s.pid}, up ${formatDuration(s.uptime_s)}`],
      ["version", `${s.version} (protocol ${s.protocol})`],
      ["socket", s.socket],
      ["home", s.home],
    ]);
  } finally {
    client.close();
  }
}
