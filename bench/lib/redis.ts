/**
 * A private redis-server on loopback, configured the way the SPEC's target names it: durable
 * through the append-only file, fsync once a second, no RDB snapshots. And redis-benchmark against
 * it, read through its --csv output.
 */
import { createServer } from "node:net";
import { capture, firstLine, mustRun, waitFor } from "./proc.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

export interface RedisServer {
  port: number;
  pid: number;
}

/** A port the kernel just handed out on 127.0.0.1 (free unless someone races us for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startRedis(scope: Scope): Promise<RedisServer> {
  const dir = tempDir(scope, "mbr");
  const port = await freePort();
  const proc = Bun.spawn(
    ["redis-server", "--bind", "127.0.0.1", "--port", String(port), "--dir", dir,
      "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"],
    { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  );
  scope.defer("stop redis-server", async () => {
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
    await proc.exited;
  });
  const cli = (...args: string[]) => capture(["redis-cli", "-h", "127.0.0.1", "-p", String(port), ...args], { timeoutMs: 2_000 });
  await waitFor(`redis-server to answer on port ${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode} on start`);
    return (await cli("ping")).stdout.trim() === "PONG";
  });
  // The comparison is only fair against a durable Redis: check the server took the settings.
  for (const [key, want] of [["appendonly", "yes"], ["appendfsync", "everysec"]] as const) {
    const got = (await cli("config", "get", key)).stdout.trim().split("\n")[1];
    if (got !== want) throw new Error(`redis-server runs with ${key}=${got}, not ${want}`);
  }
  return { port, pid: proc.pid };
}

export interface Throughput {
  /** requests (or messages) per second */
  rate: number;
  p50_ms?: number;
  p99_ms?: number;
}

/** redis-benchmark, one command, `clients` connections, `requests` requests in all. */
export async function redisBenchmark(server: RedisServer, clients: number, requests: number, command: string[]): Promise<Throughput> {
  const out = await mustRun(
    ["redis-benchmark", "-h", "127.0.0.1", "-p", String(server.port), "-c", String(clients), "-n", String(requests), "--csv", ...command],
    { timeoutMs: 120_000 },
  );
  return parseBenchmarkCsv(out);
}

/**
 * redis-benchmark --csv (7.x) prints a header and one line per test:
 *   "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
 * Older versions print only "test","rps" without a header; columns are found by name when there
 * is a header, so latency is reported only when the version measured it.
 */
export function parseBenchmarkCsv(text: string): Throughput {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean).map(splitCsvLine);
  const header = lines[0]?.[0] === "test" ? lines.shift() : undefined;
  const data = lines[0];
  if (!data) throw new Error(`redis-benchmark printed no result: ${firstLine(text)}`);
  const column = (name: string, fallback?: number): number | undefined => {
    const i = header ? header.indexOf(name) : fallback;
    const v = i === undefined || i < 0 ? undefined : Number(data[i]);
    return v === undefined || Number.isNaN(v) ? undefined : v;
  };
  const rate = column("rps", 1);
  if (rate === undefined) throw new Error(`no rps in redis-benchmark output: ${data.join(",")}`);
  return { rate, p50_ms: column("p50_latency_ms"), p99_ms: column("p99_latency_ms") };
}

/** Splits one CSV line of double-quoted (or bare) fields; "" inside quotes is a quote. */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    let field = "";
    if (line[i] === '"') {
      for (i++; i < line.length; i++) {
        if (line[i] === '"' && line[i + 1] === '"') field += '"', i++;
        else if (line[i] === '"') break;
        else field += line[i];
      }
      i++; // closing quote
    } else {
      const end = line.indexOf(",", i);
      field = line.slice(i, end === -1 ? line.length : end);
      i = end === -1 ? line.length : end;
    }
    fields.push(field);
    i++; // the comma
  }
  return fields;
}
