import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

/** The federation directory: every host's names (`ls --all-hosts`). */
export const directory: Handler<"directory"> = ({ broker }) => {
  const fed = broker.federation;
  if (!fed) throw new MaestroError("not_found", "federation is off on this host: set [federation] nats in config.toml (see docs/federation.md)");
  return { host: fed.host, hosts: fed.directory() };
};

/** `host forget HOST`: a re-keyed host's pinned key is dropped, its current entry pinned instead. */
export const hostForget: Handler<"host.forget"> = async ({ broker, client }, args) => {
  const fed = broker.federation;
  if (!fed) throw new MaestroError("not_found", "federation is off on this host: set [federation] nats in config.toml (see docs/federation.md)");
  if (args.host === fed.host) throw new MaestroError("usage", `host forget: ${args.host} is this host; its key is its own (${"federation-host.key"} in the home)`);
  const r = await fed.forget(args.host);
  broker.audit.record(client.identity.name, "federation.forget", args.host, "ok", `forgot key ${r.forgot}; pinned ${r.pinned ?? "none yet"}`);
  return { host: args.host, ...r };
};
