/**
 * The session's side of remote terminals: answers opens, resumes, waits and wait cancels on
 * `maestro.fed.term.<this host>` (signed envelopes, verified against the pinned host key,
 * refused unless the caller's host is in `[federation] remote_control` and the caller is its
 * operator — the rules of remote peek/type/kill), and runs each accepted attachment as one more
 * client of the session (broker/attach-client.ts) whose sink is the sealed subject pair.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { headers } from "@nats-io/transport-node";
import { attachClient } from "../broker/attach-client.ts";
import { checkRequest } from "../broker/checked.ts";
import { wait as localWait } from "../broker/handlers/wait.ts";
import { ServerStream } from "../broker/stream.ts";
import type { Broker, HandlerContext } from "../broker/types.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import { ephemeral, LinkKeys, parseTerm, sealTerm, termSubject, waitSubject, type TermBody, type TermEnvelope, type TermKind, publish } from "./attach-wire.ts";
import { TargetLink } from "./attach-target.ts";
import type { Directory } from "./directory.ts";
import { SIG_HEADER, verifySig } from "./envelope.ts";
import type { HostKey } from "./host-key.ts";

export interface TermContext {
  broker: Broker;
  host: string;
  key: HostKey;
  dir: Directory;
  /** A link silent this long is over (`[federation] link_timeout_ms`). */
  linkMs: number;
}

/** Verifies a signed terminal envelope from `expectFrom` (or anyone) for this host: the envelope, or why not. */
export async function verifyTerm(t: TermContext, m: Msg, nonces?: Map<string, number>): Promise<TermEnvelope | string> {
  const env = parseTerm(m.data);
  if (typeof env === "string") return env;
  if (env.to !== t.host) return `addressed to host ${env.to}`;
  const key = t.dir.key(env.from);
  if (!key) return `unknown host ${env.from}: not in the directory`;
  if (!(await verifySig(await key, m.data, m.headers?.get(SIG_HEADER) ?? ""))) return `bad signature: not signed by host ${env.from}'s key`;
  const window = t.broker.config.federation.clock_window_ms;
  const now = Date.now();
  if (Math.abs(now - env.at) > window) return `replayed or clock skewed: signed ${Math.round((now - env.at) / 1000)} s ago`;
  if (nonces && "nonce" in env.body) {
    for (const [n, exp] of nonces) if (exp < now) nonces.delete(n);
    if (nonces.has(env.body.nonce)) return "replayed: nonce already used";
    nonces.set(env.body.nonce, now + 2 * window);
  }
  return env;
}

export async function signed<K extends TermKind>(t: TermContext, kind: K, to: string, body: TermBody<K>): Promise<{ data: Uint8Array; opts: { headers: ReturnType<typeof headers> } }> {
  const { data, sig } = await sealTerm(t.key.privateKey, { v: 1, kind, from: t.host, to, at: Date.now(), body });
  const h = headers();
  h.set(SIG_HEADER, sig);
  return { data, opts: { headers: h } };
}

/** A stream that carries a local wait's one event to another host instead of a socket. */
class RelayStream extends ServerStream {
  constructor(private readonly onEvent: (e: unknown) => void) {
    super(0, { sendRaw() {}, queued: 0, closed: false, forget() {} });
  }
  override event(e: unknown): void {
    if (this.open) this.onEvent(e);
  }
}

/**
 * The window of a remote client: 4× a local client's (`sessions.high_water_bytes`), because an
 * ack takes two NATS hops and two daemons to come back; with a local-sized window a remote client
 * stalled, and fell to fresh screens (a full parse of the ring each), many times more often.
 */
export const remoteWater = (broker: Broker) => ({ high: 4 * broker.config.sessions.high_water_bytes, low: broker.config.sessions.low_water_bytes });

export class TermServer {
  private readonly nonces = new Map<string, number>();
  readonly links = new Map<string, TargetLink>();
  private readonly waits = new Map<string, { caller: string; cancel: () => void }>();

  constructor(private readonly t: TermContext) {}

  serve(nc: NatsConnection): void {
    nc.subscribe(termSubject(this.t.host), { callback: (err, m) => void (err ? undefined : this.answer(nc, m).catch((e) => this.t.broker.log.warn(`federation: remote terminal: ${(e as Error).message}`))) });
  }

  private audit(from: string, target: string, outcome: "ok" | "denied" | "error", detail: string): void {
    this.t.broker.audit.record(`operator@${from}`, "federation.attach", target, outcome, detail);
  }

  private async answer(nc: NatsConnection, m: Msg): Promise<void> {
    const env = await verifyTerm(this.t, m, this.nonces);
    const claimed = parseTerm(m.data);
    const from = typeof claimed === "string" ? "?" : claimed.from;
    const replyKind = (k: string): TermKind | undefined => ({ "term-open": "term-opened", "term-resume": "term-resumed", wait: "wait-started" })[k] as TermKind | undefined;
    const reply = async (kind: TermKind | undefined, body: object) => {
      if (!kind || !m.reply) return;
      const s = await signed(this.t, kind, from, body as never);
      m.respond(s.data, s.opts);
    };
    if (typeof env === "string") {
      const k = typeof claimed === "string" ? undefined : claimed.kind;
      const target = typeof claimed !== "string" && "args" in claimed.body ? String((claimed.body.args as { name?: unknown }).name ?? "") : "";
      this.audit(from, target, "denied", `${k ?? "envelope"}: ${env}`);
      // A reply only to what could be verified as addressed to us; a forgery gets none worth trusting.
      if (typeof claimed !== "string" && "nonce" in claimed.body) await reply(replyKind(k!), { nonce: claimed.body.nonce, ok: false, error: { code: "forbidden", message: env } });
      return;
    }
    const b = env.body as Record<string, unknown> & { nonce: string };
    const refuse = (why: string, code = "forbidden", target = "") => {
      this.audit(env.from, target, code === "forbidden" ? "denied" : "error", `${env.kind}: ${why}`);
      return reply(replyKind(env.kind), { nonce: b.nonce, ok: false, error: { code, message: why } });
    };
    if (env.kind === "term-resume") return this.resume(env as TermEnvelope<"term-resume">, reply);
    if (env.kind === "wait-cancel") {
      const w = this.waits.get((env.body as TermBody<"wait-cancel">).id);
      if (w && w.caller === env.from) w.cancel();
      return;
    }
    if (env.kind !== "term-open" && env.kind !== "wait") return refuse(`a ${env.kind} envelope on ${termSubject(this.t.host)}`);
    const args = (b.args ?? {}) as Record<string, unknown>;
    const target = String(args.name ?? "");
    if (!this.t.broker.config.federation.remote_control.includes(env.from)) {
      return refuse(`host ${env.from} may not control sessions on ${this.t.host}: add it to [federation] remote_control there`, "forbidden", target);
    }
    if (b.caller !== "operator") return refuse(`only the operator of ${env.from} may attach to or wait on sessions of other hosts`, "forbidden", target);
    const identity: Identity = { name: `operator@${env.from}`, kind: "operator" };
    try {
      if (target.includes("@")) throw new MaestroError("usage", "a session name here, not an address");
      if (env.kind === "term-open") await this.open(nc, env as TermEnvelope<"term-open">, identity, reply);
      else await this.startWait(nc, env as TermEnvelope<"wait">, identity, reply);
    } catch (err) {
      const code = err instanceof MaestroError ? err.code : "internal";
      await refuse((err as Error).message, code, target);
    }
  }

  private async open(nc: NatsConnection, env: TermEnvelope<"term-open">, identity: Identity, reply: (k: TermKind, b: object) => Promise<void>): Promise<void> {
    const b = env.body;
    // `since` (a dashboard terminal rejoining) is not an attach request's: checked here, then passed on.
    const { since, ...rest } = b.args;
    if (since !== undefined && !(Number.isSafeInteger(since) && (since as number) >= 0)) throw new MaestroError("usage", "since: must be a non-negative integer");
    const args = checkRequest("attach", rest, identity);
    const broker = this.t.broker;
    const session = broker.sessions.get(args.name); // not_found before anything is set up
    const eph = ephemeral();
    const keys = LinkKeys.derive(eph.priv, b.dh, b.id, "target");
    if (this.links.has(b.id)) throw new MaestroError("usage", `attachment ${b.id} is already open`);
    const link = new TargetLink(nc, this.t, b.id, env.from, keys, () => this.links.delete(b.id));
    const attached = attachClient(
      broker,
      identity,
      `fed:${b.id}`,
      link.sink(),
      {
        name: session.name,
        readOnly: args.read_only === true,
        ...(args.cols !== undefined ? { cols: args.cols } : {}),
        ...(args.rows !== undefined ? { rows: args.rows } : {}),
        ...(args.history !== undefined ? { history: args.history } : {}),
        ...(args.tty !== undefined ? { tty: `${env.from}:${args.tty}` } : {}),
        from: `host ${env.from}`,
        ...(since !== undefined ? { since: since as number } : {}),
        water: remoteWater(broker),
      },
      `remote attach ${b.id.slice(0, 8)} from host ${env.from}`,
    );
    link.bind(attached, args.read_only === true);
    this.links.set(b.id, link);
    await reply("term-opened", { nonce: b.nonce, ok: true, dh: eph.pub, name: session.name, cols: session.cols, rows: session.rows, detach_key: broker.config.sessions.detach_key, seq: attached.seq, resumed: attached.resumed });
  }

  private async resume(env: TermEnvelope<"term-resume">, reply: (k: TermKind, b: object) => Promise<void>): Promise<void> {
    const b = env.body;
    const link = this.links.get(b.id);
    if (!link || link.caller !== env.from) {
      const end = link === undefined ? TargetLink.finished.get(b.id) : undefined;
      if (end) return reply("term-resumed", { nonce: b.nonce, ok: true, end });
      return reply("term-resumed", { nonce: b.nonce, ok: false, error: { code: "not_found", message: `no attachment ${b.id.slice(0, 8)} here any more` } });
    }
    const at = link.resumeAt();
    // Now, not after the (async) signing of the reply: output in between would be numbered after
    // out_next but ahead of the catch-up. The caller holds frames until the reply comes.
    link.resume(b.since);
    await reply("term-resumed", { nonce: b.nonce, ok: true, ...at });
  }

  private async startWait(nc: NatsConnection, env: TermEnvelope<"wait">, identity: Identity, reply: (k: TermKind, b: object) => Promise<void>): Promise<void> {
    const b = env.body;
    const args = checkRequest("wait", b.args, identity);
    const subject = waitSubject(env.from, b.id);
    let beat: Timer | undefined;
    const stream = new RelayStream((event) => {
      clearInterval(beat);
      this.waits.delete(b.id);
      void signed(this.t, "wait-event", env.from, { id: b.id, event: event as Record<string, unknown> }).then((s) => publish(nc, subject, s.data, s.opts));
      this.t.broker.audit.record(identity.name, "remote.wait", args.name, "ok", (event as { type: string }).type);
    });
    const ctx: HandlerContext = {
      broker: this.t.broker,
      client: { id: -1, identity, peerPid: undefined, insideSession: undefined, fail() {} },
      requestId: 0,
      signal: new AbortController().signal,
      openStream: () => stream,
    };
    await localWait(ctx, args); // throws (not_found, usage) before the stream starts
    const stop = (why = "cancelled by the caller") => {
      clearInterval(beat);
      this.waits.delete(b.id);
      stream.cancel();
      this.t.broker.audit.record(identity.name, "remote.wait", args.name, "ok", why);
    };
    this.waits.set(b.id, { caller: env.from, cancel: () => stop() });
    this.t.broker.audit.record(identity.name, "remote.wait", args.name, "ok", "started");
    // Heartbeats tell the caller the wait is alive, and are answered: a caller whose daemon died
    // (no responders) or that has not answered for link_timeout_ms ends the wait here too.
    const every = Math.max(250, this.t.linkMs / 4);
    let answered = Date.now();
    beat = setInterval(() => {
      void signed(this.t, "wait-event", env.from, { id: b.id }).then(async (s) => {
        try {
          await nc.request(subject, s.data, { ...s.opts, timeout: every });
          answered = Date.now();
        } catch (err) {
          if (!this.waits.has(b.id)) return;
          if (/no responders/i.test((err as Error).message)) stop("the caller is gone (no responders)");
          else if (Date.now() - answered > this.t.linkMs) stop(`the caller did not answer for ${Math.round(this.t.linkMs / 1000)} s`);
        }
      });
    }, every);
    await reply("wait-started", { nonce: b.nonce, ok: true });
  }

  close(): void {
    for (const l of [...this.links.values()]) l.gone("the daemon is shutting down");
    for (const w of [...this.waits.values()]) w.cancel();
  }
}
