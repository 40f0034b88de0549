import { MaestroError } from "../../protocol/errors.ts";
import { parseSignal } from "../../protocol/signals.ts";
import { requireSessionControl } from "../auth.ts";
import type { Handler } from "../types.ts";

/** How long `kill` waits for the program to go before replying (it reports whether it did). */
const KILL_WAIT_MS = 3000;

export const kill: Handler<"kill"> = async ({ broker, client }, args) => {
  const session = broker.sessions.get(args.name);
  requireSessionControl(client.identity, session.name, "kill");
  const signal = parseSignal(args.signal ?? "SIGHUP");
  if (!session.running && session.restartPending) {
    // Between two runs of --restart: the program is gone, and stopping the respawn is the kill.
    broker.log.info(`session ${session.name}: restart cancelled by ${client.identity.name}`);
    broker.audit.record(client.identity.name, "session.kill", session.name, "ok", `${signal} (restart cancelled)`);
    return { name: session.name, signal, exited: await session.kill(signal, 0) };
  }
  if (!session.running) {
    throw new MaestroError(
      "usage",
      `session "${session.name}" has already exited (${describeExit(session.exitCode, session.signal)}); remove it with \`maestro rm ${session.name}\``,
    );
  }
  broker.log.info(`session ${session.name}: ${signal} from ${client.identity.name}`);
  broker.audit.record(client.identity.name, "session.kill", session.name, "ok", signal);
  const exited = await session.kill(signal, KILL_WAIT_MS);
  return { name: session.name, signal, exited };
};

export function describeExit(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `code ${code}`;
}
