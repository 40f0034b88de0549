import { MaestroError } from "../../protocol/errors.ts";
import { requireSessionControl } from "../auth.ts";
import type { Handler } from "../types.ts";

/**
 * Forgets a session (its output and screen). Its identity and message history stay, but the
 * identity leaves `*` and every group: a removed session is no longer one of everyone.
 */
export const rm: Handler<"rm"> = async ({ broker, client }, args) => {
  const session = broker.sessions.get(args.name);
  requireSessionControl(client.identity, session.name, "remove");
  if (session.running && !args.force) {
    throw new MaestroError("usage", `session "${session.name}" is still running; \`maestro kill ${session.name}\` first, or rm --force`);
  }
  await broker.sessions.remove(session.name);
  await broker.router.writer.write(() => {
    broker.store.messages.leaveGroups(session.name);
    broker.store.identities.retire(session.name);
  });
  broker.log.info(`session ${session.name} removed by ${client.identity.name}`);
  broker.audit.record(client.identity.name, "session.rm", session.name, "ok");
  return { name: session.name };
};
