import { MaestroError } from "../../protocol/errors.ts";
import { checkName } from "../../protocol/names.ts";
import { splitAddress } from "../../protocol/address.ts";
import { requireOperator } from "../auth.ts";
import { checkRecipient } from "../messaging/compose.ts";
import type { Handler } from "../types.ts";

export const group: Handler<"group"> = async ({ broker, client }, args) => {
  const action = args.action;
  const store = broker.store;
  if (action === "ls") {
    const name = args.name;
    const groups = store.messages.groups();
    if (name === undefined) return { groups };
    const one = groups.find((g) => g.name === checkName(name, "group name"));
    if (!one) throw new MaestroError("not_found", `no group @${name}`);
    return { groups: [one] };
  }
  if (action !== "add" && action !== "rm") throw new MaestroError("usage", `group: unknown action "${action}"; use add, rm or ls`);
  requireOperator(client.identity, "change groups");
  if (args.name === undefined) throw new MaestroError("usage", `group ${action}: name the group`);
  const name = checkName(args.name.replace(/^@/, ""), "group name");
  const members = (args.members ?? []).map((m) => (splitAddress(m) ? m : checkName(m, "member name")));
  if (action === "add") {
    if (members.length === 0) throw new MaestroError("usage", "group add: name at least one member");
    const unknown = members.filter((m) => !splitAddress(m) && !store.identities.get(m));
    if (unknown.length > 0) throw new MaestroError("not_found", `group add: no identity ${unknown.map((u) => `"${u}"`).join(", ")}`);
    // Remote members (name@host) must be in the directory now; each send checks them again.
    for (let i = 0; i < members.length; i++) if (splitAddress(members[i]!)) members[i] = checkRecipient(store, members[i]!, broker.federation);
    await broker.router.writer.write(() => store.messages.groupAdd(name, members));
  } else {
    const removed = await broker.router.writer.write(() => store.messages.groupRemove(name, members));
    if (removed === 0) throw new MaestroError("not_found", members.length ? `group rm: @${name} has none of those members` : `no group @${name}`);
  }
  return { groups: store.messages.groups().filter((g) => g.name === name) };
};
