/**
 * `attach` and `wait` on `name@host`: through the federation port to that host's daemon (the
 * subject pair and signed envelopes of src/federation/attach*.ts). The client's stream behaves
 * as for a local session: the restored screen and live output as DATA, exit and banner EVENTs,
 * keystrokes as DATA from the client, `resize` by stream id. Only the operator may.
 */
import { splitAddress } from "../../protocol/address.ts";
import { MaestroError } from "../../protocol/errors.ts";
import type { CheckedArgs, WaitEvent } from "../../protocol/requests.ts";
import type { RemoteTerminal } from "../federation-port.ts";
import { requireOperator } from "../auth.ts";
import { streamSink } from "../stream.ts";
import type { HandlerContext } from "../types.ts";

/** Open remote attachments by `<connection>:<stream>`, for `resize`. */
export const remoteAttachments = new Map<string, RemoteTerminal>();

/** The host part of a session address naming another host, else undefined (a local session). */
export function remoteHost(ctx: HandlerContext, name: string): { host: string; name: string } | undefined {
  const addr = splitAddress(name);
  if (!addr) return undefined;
  const fed = ctx.broker.federation;
  if (fed && addr.host === fed.host) return undefined;
  if (!fed) throw new MaestroError("not_found", `no session "${name}": federation is off here (set [federation] nats in config.toml to reach other hosts)`);
  return addr;
}

/** A local name for `name@<this host>`. */
export const localName = (name: string) => splitAddress(name)?.name ?? name;

export async function remoteAttach(ctx: HandlerContext, args: CheckedArgs<"attach">, to: { host: string; name: string }) {
  const { broker, client } = ctx;
  requireOperator(client.identity, "attach to sessions on other hosts");
  const target = `${to.name}@${to.host}`;
  const readOnly = args.read_only === true;
  // Taken before the await: a client that goes away meanwhile must not leave the remote client behind.
  const away = ctx.signal;
  let term: RemoteTerminal;
  try {
    term = await broker.federation!.attach(to.host, { ...args, name: to.name }, client.identity);
  } catch (err) {
    broker.audit.record(client.identity.name, "remote.attach", target, "error", (err as Error).message);
    throw err;
  }
  if (away.aborted) {
    term.detach();
    throw new MaestroError("unavailable", "the client went away during the open");
  }
  const stream = ctx.openStream();
  const key = `${client.id}:${stream.id}`;
  remoteAttachments.set(key, term);
  broker.audit.record(client.identity.name, "remote.attach", target, "ok", readOnly ? "read-only" : "");
  let gone = false;
  const forget = (why: string) => {
    if (gone) return;
    gone = true;
    remoteAttachments.delete(key);
    broker.audit.record(client.identity.name, "remote.detach", target, "ok", why);
  };
  stream.onCancel(() => {
    forget("detached");
    term.detach();
  });
  if (!readOnly) stream.onInput((bytes) => term.input(bytes));
  term.start(streamSink(stream, (reason) => forget(reason)));
  return { name: target, detach_key: term.detachKey, cols: term.cols, rows: term.rows };
}

/** `wait` on another host's session: the caller's timeout runs there; a cancel here ends it there. */
export async function remoteWait(ctx: HandlerContext, args: CheckedArgs<"wait">, to: { host: string; name: string }) {
  const { broker, client } = ctx;
  requireOperator(client.identity, "wait on sessions on other hosts");
  const gone = ctx.signal;
  const w = await broker.federation!.wait(to.host, { ...args, name: to.name }, client.identity);
  if (gone.aborted) {
    w.cancel();
    throw new MaestroError("unavailable", "the client went away while the wait started");
  }
  const stream = ctx.openStream();
  stream.onCancel(() => w.cancel());
  w.result.then(
    (event: WaitEvent) => {
      stream.event(event);
      stream.end(event.type);
    },
    (err: Error) => stream.end(err.message),
  );
  return {};
}
