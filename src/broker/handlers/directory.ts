import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

/** The federation directory: every host's names (`ls --all-hosts`). */
export const directory: Handler<"directory"> = ({ broker }) => {
  const fed = broker.federation;
  if (!fed) throw new MaestroError("not_found", "federation is off on this host: set [federation] nats in config.toml (see docs/federation.md)");
  return { host: fed.host, hosts: fed.directory() };
};
