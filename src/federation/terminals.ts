/**
 * Remote terminals, both ends (docs/federation.md, "Remote terminals"): what index.ts wires in.
 * `attach` and `wait` for a session of another host; `serve` answers the other hosts' opens,
 * resumes and waits for this host's sessions.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import type { RemoteAttachArgs, RemoteTerminal, RemoteWait } from "../broker/federation-port.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { WaitEvent } from "../protocol/results.ts";
import { CallerLink, termRequest } from "./attach.ts";
import { signed, TermServer, verifyTerm, type TermContext } from "./attach-serve.ts";
import { newId, newNonce, termSubject, waitSubject, publish } from "./attach-wire.ts";

export class RemoteTerminals {
  private readonly server: TermServer;
  private readonly callers = new Set<CallerLink>();
  private readonly waits = new Set<() => void>();

  constructor(private readonly t: TermContext) {
    this.server = new TermServer(t);
  }

  serve(nc: NatsConnection): void {
    this.server.serve(nc);
  }

  /** NATS came back: frames of either direction may have been lost meanwhile. */
  reconnected(): void {
    for (const c of this.callers) void c.resume();
  }

  private known(host: string, caller: Identity, what: string): void {
    if (!this.t.dir.has(host)) throw new MaestroError("not_found", `no host "${host}" in the federation directory (see \`maestro ls --all-hosts\`)`);
    if (caller.kind !== "operator") throw new MaestroError("forbidden", `only the operator may ${what} sessions on other hosts`);
  }

  async attach(nc: NatsConnection, host: string, args: RemoteAttachArgs, caller: Identity): Promise<RemoteTerminal> {
    this.known(host, caller, "attach to");
    const link: CallerLink = new CallerLink(this.t, nc, host, () => this.callers.delete(link));
    await link.open(args);
    this.callers.add(link);
    return link;
  }

  async wait(nc: NatsConnection, host: string, args: object, caller: Identity): Promise<RemoteWait> {
    this.known(host, caller, "wait on");
    const id = newId();
    let settle!: { resolve: (e: WaitEvent) => void; reject: (e: Error) => void };
    const result = new Promise<WaitEvent>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => {});
    let lastHeard = Date.now();
    let done = false;
    const finish = () => {
      done = true;
      sub.unsubscribe();
      clearInterval(watch);
      this.waits.delete(cancel);
    };
    const sub = nc.subscribe(waitSubject(this.t.host, id), {
      callback: (err, m: Msg) => {
        if (err || done) return;
        if (m.reply) m.respond(new Uint8Array(0)); // a heartbeat: we are still waiting
        void verifyTerm(this.t, m).then((env) => {
          if (done || typeof env === "string" || env.kind !== "wait-event" || env.from !== host || (env.body as { id: string }).id !== id) return;
          lastHeard = Date.now();
          const event = (env.body as { event?: WaitEvent }).event;
          if (event) {
            finish();
            settle.resolve(event);
          }
        });
      },
    });
    // The heartbeats stop when the host or the link is gone: said after link_timeout_ms, never a hang.
    const watch = setInterval(() => {
      if (Date.now() - lastHeard <= this.t.linkMs) return;
      finish();
      settle.reject(new MaestroError("unavailable", `wait: lost the link to host ${host}: nothing heard for ${Math.round(this.t.linkMs / 1000)} s`));
    }, Math.max(200, this.t.linkMs / 4));
    const cancel = () => {
      if (done) return;
      finish();
      void signed(this.t, "wait-cancel", host, { nonce: newNonce(), id }).then((s) => publish(nc, termSubject(host), s.data, s.opts));
    };
    try {
      await nc.flush();
      await termRequest(this.t, nc, host, "wait", { nonce: newNonce(), id, caller: "operator", args: args as Record<string, unknown> }, 4000);
    } catch (err) {
      finish();
      throw err;
    }
    lastHeard = Date.now();
    this.waits.add(cancel);
    return { result, cancel };
  }

  close(): void {
    for (const c of [...this.callers]) c.close("the daemon is shutting down");
    for (const w of [...this.waits]) w();
    this.server.close();
  }
}
