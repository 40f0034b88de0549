/**
 * Remote session control: `peek`, `type`, `kill` on `name@host` over NATS request/reply. Both
 * the request and the reply are signed envelopes (kinds "control", "control-reply"), verified
 * against the pinned host keys; a request is refused unless its host is in this host's
 * `[federation] remote_control`, it comes from that host's operator, its time is within the
 * clock window of ours, and its nonce is new. Every request served or refused is audited.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { headers } from "@nats-io/transport-node";
import { checkRequest } from "../broker/checked.ts";
import { kill } from "../broker/handlers/kill.ts";
import { peek } from "../broker/handlers/peek.ts";
import { type } from "../broker/handlers/type.ts";
import type { Broker, Handler, HandlerContext } from "../broker/types.ts";
import { isErrorCode, MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Directory } from "./directory.ts";
import { controlSubject, parseEnvelope, seal, SIG_HEADER, verifySig, type Envelope } from "./envelope.ts";
import type { HostKey } from "./host-key.ts";

type Op = "peek" | "type" | "kill";
const LOCAL: { [K in Op]: Handler<K> } = { peek, type, kill };
const TIMEOUT_MS = 15_000;

export class RemoteControl {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly broker: Broker,
    private readonly host: string,
    private readonly key: HostKey,
    private readonly dir: Directory,
  ) {}

  serve(nc: NatsConnection): void {
    nc.subscribe(controlSubject(this.host), { callback: (err, m) => void (err ? undefined : this.answer(m)) });
  }

  private async answer(m: Msg): Promise<void> {
    const env = parseEnvelope(m.data);
    const from = typeof env === "string" ? "?" : env.from;
    const audit = (target: string, outcome: "ok" | "denied" | "error", detail: string, action = "federation.control") =>
      this.broker.audit.record(`operator@${from}`, action, target, outcome, detail);
    if (typeof env === "string") return audit("", "denied", env);
    if (env.kind !== "control") return audit("", "denied", `a ${env.kind} envelope on the control subject`);
    const b = env.body;
    const respond = async (ok: boolean, result?: unknown, error?: { code: string; message: string }) => {
      const reply: Envelope = { v: 1, kind: "control-reply", from: this.host, to: env.from, at: Date.now(), body: { nonce: b.nonce, ok, ...(ok ? { result } : { error }) } };
      const { data, sig } = await seal(this.key.privateKey, reply);
      const h = headers();
      h.set(SIG_HEADER, sig);
      m.respond(data, { headers: h });
    };
    const refuse = (why: string, code = "forbidden") => {
      audit(String(b.args.name ?? ""), "denied", `${b.op}: ${why}`);
      return respond(false, undefined, { code, message: why });
    };
    if (env.to !== this.host) return refuse(`addressed to host ${env.to}`);
    const key = this.dir.key(env.from);
    if (!key) return refuse(`unknown host ${env.from}: not in the directory`);
    if (!(await verifySig(await key, m.data, m.headers?.get(SIG_HEADER) ?? ""))) return refuse(`bad signature: not signed by host ${env.from}'s key`);
    const window = this.broker.config.federation.clock_window_ms;
    const now = Date.now();
    if (Math.abs(now - env.at) > window) return refuse(`replayed or clock skewed: signed ${Math.round((now - env.at) / 1000)} s ago`);
    for (const [n, exp] of this.nonces) if (exp < now) this.nonces.delete(n);
    if (this.nonces.has(b.nonce)) return refuse("replayed: nonce already used");
    this.nonces.set(b.nonce, now + 2 * window);
    if (!this.broker.config.federation.remote_control.includes(env.from)) {
      return refuse(`host ${env.from} may not control sessions on ${this.host}: add it to [federation] remote_control there`);
    }
    if (b.caller !== "operator") return refuse(`only the operator of ${env.from} may control sessions of other hosts`);
    const identity: Identity = { name: `operator@${env.from}`, kind: "operator" };
    try {
      const args = checkRequest(b.op, b.args, identity);
      if (String(args.name).includes("@")) throw new MaestroError("usage", `${b.op}: a session name here, not an address`);
      const result = await (LOCAL[b.op] as Handler<Op>)(this.context(identity), args as never);
      audit(String(args.name), "ok", b.op, `remote.${b.op}`);
      await respond(true, result);
    } catch (err) {
      const code = err instanceof MaestroError ? err.code : "internal";
      audit(String(b.args.name ?? ""), "error", `${b.op}: ${(err as Error).message}`, `remote.${b.op}`);
      await respond(false, undefined, { code, message: (err as Error).message });
    }
  }

  private context(identity: Identity): HandlerContext {
    return {
      broker: this.broker,
      client: { id: -1, identity, peerPid: undefined, insideSession: undefined, fail() {} },
      requestId: 0,
      signal: new AbortController().signal,
      openStream() {
        throw new MaestroError("usage", "streams are not carried to other hosts");
      },
    };
  }

  async call(nc: NatsConnection, host: string, op: Op, args: object, caller: Identity): Promise<unknown> {
    if (!this.dir.has(host)) throw new MaestroError("not_found", `no host "${host}" in the federation directory (see \`maestro ls --all-hosts\`)`);
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const env: Envelope = { v: 1, kind: "control", from: this.host, to: host, at: Date.now(), body: { nonce, op, caller: caller.name, args: args as Record<string, unknown> } };
    const { data, sig } = await seal(this.key.privateKey, env);
    const h = headers();
    h.set(SIG_HEADER, sig);
    let m: Msg;
    try {
      m = await nc.request(controlSubject(host), data, { timeout: TIMEOUT_MS, headers: h });
    } catch (err) {
      const msg = (err as Error).message;
      if (/no responders/i.test(msg) || (err as { name?: string }).name === "NoRespondersError") {
        throw new MaestroError("unavailable", `host ${host} is not answering: its daemon is down or not connected to NATS`);
      }
      throw new MaestroError("timeout", `host ${host} did not answer ${op} within ${TIMEOUT_MS / 1000} s (${msg})`);
    }
    const reply = parseEnvelope(m.data);
    const key = this.dir.key(host);
    const verified =
      typeof reply !== "string" && reply.kind === "control-reply" && reply.from === host && reply.to === this.host && reply.body.nonce === nonce && key !== undefined && (await verifySig(await key, m.data, m.headers?.get(SIG_HEADER) ?? ""));
    if (!verified || typeof reply === "string" || reply.kind !== "control-reply") {
      this.broker.audit.record(`host:${host}`, "federation.control", op, "denied", "a reply that failed verification");
      throw new MaestroError("internal", `the reply from host ${host} failed verification (signature, nonce or address); see \`maestro audit\``);
    }
    if (reply.body.ok) return reply.body.result;
    const e = reply.body.error ?? { code: "internal", message: "failed" };
    throw new MaestroError(isErrorCode(e.code) ? e.code : "internal", `${host}: ${e.message}`);
  }
}
