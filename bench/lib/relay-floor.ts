/**
 * The floor under send → live subscriber latency on this machine: a bare Bun relay process that
 * writes every line it gets on one Unix-socket connection to another, and a client process timing
 * each line at a fixed rate — no store, no protocol. What the machine's scheduling alone costs.
 *
 *   bun relay-floor.ts relay SOCK             serves until killed; prints "ready"
 *   bun relay-floor.ts client SOCK RATE N     prints {"p99_ms", "max_ms"}
 */
import { existsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { capture, waitFor } from "./proc.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

export interface RelayFloor {
  /** One timed run: N lines at `rate` through the relay. */
  run(rate: number, n: number): Promise<{ p99_ms: number; max_ms: number }>;
}

/** Starts the relay (stopped with the scope); each run() is a fresh client process. */
export async function startRelayFloor(scope: Scope): Promise<RelayFloor> {
  const sock = join(tempDir(scope, "mbf"), "relay.sock");
  const proc = Bun.spawn([process.execPath, import.meta.path, "relay", sock], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  scope.defer("stop the relay floor", async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  });
  await waitFor("the relay floor's socket", () => {
    if (proc.exitCode !== null) throw new Error(`the relay floor exited ${proc.exitCode} on start`);
    return existsSync(sock);
  });
  return {
    async run(rate, n) {
      const r = await capture([process.execPath, import.meta.path, "client", sock, String(rate), String(n)], { timeoutMs: 60_000 + (n * 1000) / rate });
      if (r.code !== 0) throw new Error(`the relay floor's client exited ${r.code}: ${r.stderr.trim().split("\n").at(-1) ?? ""} ${r.stdout.trim()}`);
      return JSON.parse(r.stdout) as { p99_ms: number; max_ms: number };
    },
  };
}


const [mode, sock, rateText, nText] = import.meta.main ? process.argv.slice(2) : [];

if (mode === "relay") {
  try {
    unlinkSync(sock!);
  } catch {
    // no stale socket
  }
  let subscriber: { write(d: Uint8Array): number } | undefined;
  Bun.listen({
    unix: sock!,
    socket: {
      // Each client run subscribes anew: its first line on its first connection is SUB.
      data(s, d) {
        if (d.byteLength === 4 && new TextDecoder().decode(d) === "SUB\n") subscriber = s;
        else subscriber?.write(d);
      },
      close(s) {
        if (subscriber === s) subscriber = undefined;
      },
    },
  });
  console.log("ready");
} else if (mode === "client") {
  const rate = Number(rateText);
  const n = Number(nText);
  const sentAt: number[] = [];
  const lat: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let buf = "";
  const sub = await Bun.connect({
    unix: sock!,
    socket: {
      data(_s, d) {
        buf += new TextDecoder().decode(d);
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const k = Number(buf.slice(0, i));
          buf = buf.slice(i + 1);
          lat.push(performance.now() - sentAt[k]!);
          if (lat.length === n) done();
        }
      },
    },
  });
  sub.write("SUB\n");
  await Bun.sleep(50); // the relay has taken the subscription before the first line
  const tx = await Bun.connect({ unix: sock!, socket: { data() {} } });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    sentAt[i] = performance.now();
    tx.write(`${i}\n`);
  }
  const timeout = setTimeout(done, 10_000);
  await finished;
  clearTimeout(timeout);
  lat.sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? 0;
  console.log(JSON.stringify({ n: lat.length, p99_ms: at(0.99), max_ms: at(1) }));
  process.exit(lat.length === n ? 0 : 1);
}
