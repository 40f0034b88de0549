/**
 * `peek`, `type` and `kill` on `name@host`: forwarded to that host's daemon over NATS request /
 * reply (src/federation/). Only the operator may; the target host must allow this host in its
 * `[federation] remote_control`. `name@<this host>` is the local session.
 */
import { splitAddress } from "../../protocol/address.ts";
import { MaestroError } from "../../protocol/errors.ts";
import type { CheckedArgs, ResultOf } from "../../protocol/requests.ts";
import { requireOperator } from "../auth.ts";
import type { Handler } from "../types.ts";

export type RemoteOp = "peek" | "type" | "kill";

export function remoteAware<T extends RemoteOp>(op: T, local: Handler<T>): Handler<T> {
  return (ctx, args) => {
    const addr = splitAddress(args.name);
    const fed = ctx.broker.federation;
    if (!addr) return local(ctx, args);
    if (fed && addr.host === fed.host) return local(ctx, { ...args, name: addr.name });
    if (!fed) throw new MaestroError("not_found", `no session "${args.name}": federation is off here (set [federation] nats in config.toml to reach other hosts)`);
    requireOperator(ctx.client.identity, `${op} sessions on other hosts`);
    const remoteArgs = { ...args, name: addr.name } as CheckedArgs<T>;
    return fed.control(addr.host, op, remoteArgs, ctx.client.identity) as Promise<ResultOf<T>>;
  };
}
