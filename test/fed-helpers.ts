/**
 * Federation tests: a real nats-server (Debian's, JetStream on) on a free loopback port with its
 * own store dir, and daemons with their own homes and host names pointed at it.
 */
import type { FederationStatus } from "../src/protocol/requests.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestHome, alive, freePort, listening, waitFor } from "./helpers.ts";
import { register } from "./msg-helpers.ts";

export const NATS_BIN = ["/usr/sbin/nats-server", "/usr/bin/nats-server"].find((p) => Bun.file(p).size > 0) ?? "nats-server";

export class NatsServer {
  readonly dir = mkdtempSync(join(tmpdir(), "mt-nats-"));
  port = 0;
  private proc: ReturnType<typeof Bun.spawn> | undefined;

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, on the same port and store) and waits until it takes connections. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = freePort();
    this.proc = Bun.spawn([NATS_BIN, "-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.dir], { stdout: "ignore", stderr: "pipe" });
    await waitFor(() => listening(this.port), 10_000);
  }

  /** SIGKILL, like a crash; the store dir stays for a restart. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill(signal);
    await p.exited;
    this.proc = undefined;
  }

  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function fedConfig(nats: string, host: string, extra = ""): string {
  return `[federation]\nnats = "${nats}"\nhost = "${host}"\n${extra}`;
}

export type Fed = FederationStatus;

export async function fedStatus(h: TestHome): Promise<Fed> {
  return (JSON.parse(await h.ok(["status", "--json"])) as { federation: Fed }).federation;
}

/** Waits until `h` lists NAME@HOST in its directory copy. */
export async function waitForName(h: TestHome, address: string, timeoutMs = 15_000): Promise<void> {
  const [name, host] = address.split("@");
  await waitFor(async () => {
    const d = JSON.parse(await h.ok(["ls", "--all-hosts", "--json"])) as { hosts: { host: string; names: { name: string }[] }[] };
    return d.hosts.some((x) => x.host === host && x.names.some((n) => n.name === name));
  }, timeoutMs);
}

export async function sigkill(h: TestHome): Promise<void> {
  const pid = h.daemonPid();
  if (pid && alive(pid)) {
    process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid));
  }
}

/** A nats-server and two daemons, alpha and beta, with bob registered on beta and known to alpha. */
export interface TwoHosts {
  nats: NatsServer;
  a: TestHome;
  b: TestHome;
  bobToken: string;
  stop(): Promise<void>;
}

export async function twoHosts(betaExtra = "", alphaExtra = ""): Promise<TwoHosts> {
  const nats = new NatsServer();
  await nats.start();
  const a = new TestHome({ config: fedConfig(nats.url, "alpha", alphaExtra) });
  const b = new TestHome({ config: fedConfig(nats.url, "beta", betaExtra) });
  await a.start();
  await b.start();
  const bobToken = await register(b, "bob");
  await waitForName(a, "bob@beta");
  return {
    nats,
    a,
    b,
    bobToken,
    async stop() {
      await a.cleanup();
      await b.cleanup();
      await nats.stop();
    },
  };
}
