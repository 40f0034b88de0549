import { checkName, RESERVED_NAMES } from "../../protocol/names.ts";
import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

export const register: Handler<"register"> = ({ broker, client }, args) => {
  const name = checkName(args.name, "identity name");
  if (RESERVED_NAMES.has(name)) throw new MaestroError("usage", `"${name}" is reserved; choose another name`);
  const rotate = args.rotate === true;
  const existed = broker.store.identities.get(name) !== undefined;
  const token = broker.store.identities.issue(name, "agent", rotate);
  if (existed) {
    // Rotation is how a leaked token is revoked: connections it opened end now, not at their next hello.
    for (const c of [...broker.clients]) {
      if (c.identity.kind !== "operator" && c.identity.name === name) c.fail("unauthorized", `the token of ${name} was rotated; use the new one (MAESTRO_TOKEN)`, true);
    }
  }
  broker.log.info(`identity ${name} ${existed ? "rotated" : "registered"} by ${client.identity.name}`);
  broker.audit.record(client.identity.name, existed ? "rotate" : "register", name, "ok");
  return { name, token, rotated: existed };
};
