/** Listing and removing messaging identities (operator only). */
import { MaestroError } from "../../protocol/errors.ts";
import { checkName } from "../../protocol/names.ts";
import type { IdentityInfo } from "../../protocol/requests.ts";
import type { Handler } from "../types.ts";

const iso = (t: number | undefined | null) => (t === undefined || t === null ? null : new Date(t).toISOString());

export const identityLs: Handler<"identity.ls"> = ({ broker, client }) => {
  const online = new Set([...broker.clients].map((c) => c.identity.name));
  return broker.store.identities.list().map((id): IdentityInfo => {
    let session: IdentityInfo["session"] = null;
    if (id.kind === "session") {
      if (broker.sessions.has(id.name)) session = broker.sessions.get(id.name).running ? "running" : "exited";
      else session = "removed";
    }
    return { name: id.name, kind: id.kind, created_at: iso(id.created_at)!, last_seen: iso(broker.lastSeen.get(id.name)), online: online.has(id.name), session };
  });
};

/**
 * Removes an identity: its token stops working (its open connections end now), it leaves every
 * group and `*`, its unread messages are dead-lettered, and the name is free again. Messages it
 * sent or received stay in the history.
 */
export const identityRm: Handler<"identity.rm"> = async ({ broker, client }, args) => {
  const name = checkName(args.name, "identity name");
  const id = broker.store.identities.get(name);
  if (!id) throw new MaestroError("not_found", `no identity "${name}": see \`maestro identity ls\``);
  if (id.kind === "operator") throw new MaestroError("usage", "the operator identity cannot be removed: it is the socket's owner");
  if (broker.sessions.has(name) && broker.sessions.get(name).running) {
    throw new MaestroError("usage", `"${name}" is the identity of a running session; \`maestro kill ${name}\` and \`maestro rm ${name}\` first`);
  }
  const { dead, groups } = await broker.router.writer.write(() => {
    const groups = broker.store.messages.leaveGroups(name);
    const dead = broker.store.messages.deadLetterAll(name, "recipient_removed");
    broker.store.identities.remove(name);
    return { dead, groups };
  });
  for (const c of [...broker.clients]) {
    if (c.identity.kind !== "operator" && c.identity.name === name) c.fail("unauthorized", `the identity ${name} was removed`, true);
  }
  broker.log.info(`identity ${name} removed by ${client.identity.name}`);
  broker.audit.record(client.identity.name, "identity.rm", name, "ok", `${dead} unread dead-lettered`);
  return { name, dead_lettered: dead, groups };
};
