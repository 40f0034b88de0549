/**
 * Federation set-up for the bench rows (SPEC §9, §12): a nats-server with JetStream on a free
 * loopback port and its own store dir, and two daemons, alpha and beta, with their own homes
 * pointed at it; bob is registered on beta and known to alpha. In-process clients of both
 * daemons (the protocol client) send and follow without a process per message.
 */
import { join } from "node:path";
import { Client } from "../../src/client/connection.ts";
import { startMaestro, type MaestroHome } from "./maestro.ts";
import { mustRun, waitFor } from "./proc.ts";
import { freePort } from "./redis.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

export interface NatsServer {
  url: string;
}

export async function startNats(scope: Scope): Promise<NatsServer> {
  const dir = tempDir(scope, "mbn");
  const port = await freePort();
  const proc = Bun.spawn(["nats-server", "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  scope.defer("stop nats-server", async () => {
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
    await proc.exited;
  });
  await waitFor(`nats-server to listen on ${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`nats-server exited ${proc.exitCode} on start`);
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  return { url: `nats://127.0.0.1:${port}` };
}

export interface FedPair {
  nats: NatsServer;
  a: MaestroHome;
  b: MaestroHome;
  bobToken: string;
  client(m: MaestroHome, token?: string): Promise<Client>;
}

/** `betaExtra`: more config for beta (after its [federation] keys). */
export async function startFedPair(scope: Scope, betaExtra = ""): Promise<FedPair> {
  const nats = await startNats(scope);
  const fed = (host: string) => `[federation]\nnats = "${nats.url}"\nhost = "${host}"\n`;
  const a = await startMaestro(scope, { config: fed("alpha") });
  const b = await startMaestro(scope, { config: fed("beta") + betaExtra });
  const bob = JSON.parse(await mustRun(b.argv("register", "bob", "--json"), { env: b.env })) as { token: string };
  await waitFor("bob@beta in alpha's directory", async () => {
    const d = JSON.parse(await mustRun(a.argv("ls", "--all-hosts", "--json"), { env: a.env })) as { hosts: { host: string; names: { name: string }[] }[] };
    return d.hosts.some((h) => h.host === "beta" && h.names.some((n) => n.name === "bob"));
  }, 20_000);
  const client = async (m: MaestroHome, token?: string) => {
    const c = await Client.connect({ socket: join(m.home, "maestro.sock"), token, lock: join(m.home, "daemon.lock") });
    scope.defer("close a client", () => c.close());
    await c.welcome;
    return c;
  };
  return { nats, a, b, bobToken: bob.token, client };
}

/** bob's live `inbox --follow` on beta: when each body arrived (performance.now()). */
export async function followBob(pair: FedPair): Promise<{ arrived: Map<string, number>; until(pred: () => boolean, ms?: number): Promise<void> }> {
  const c = await pair.client(pair.b, pair.bobToken);
  const arrived = new Map<string, number>();
  let onArrive: (() => void) | undefined;
  const { reply } = c.openStream("inbox", { follow: true, unread: true }, {
    event(e) {
      arrived.set((e as { body?: string }).body ?? "", performance.now());
      onArrive?.();
    },
  });
  await reply;
  const until = (pred: () => boolean, ms = 120_000) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => ((onArrive = undefined), reject(new Error(`not every message arrived on beta within ${ms / 1000} s`))), ms);
      onArrive = () => {
        if (pred()) (clearTimeout(t), (onArrive = undefined), resolve());
      };
      onArrive();
    });
  return { arrived, until };
}
