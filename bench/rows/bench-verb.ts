/** Runs `maestro bench … --json` in a bench home and reads its `{rate, p50_ms, p99_ms, …}`. */
import { firstLine, type MaestroHome } from "../lib.ts";

export interface BenchJson {
  n: number;
  rate: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** With `--samples`: every latency. */
  latencies_ms?: number[];
}

export async function benchVerb(m: MaestroHome, args: string[], timeoutMs = 300_000): Promise<BenchJson> {
  const r = await m.run(["bench", ...args, "--json"], timeoutMs);
  if (r.code !== 0) throw new Error(`maestro bench ${args.join(" ")} exited ${r.code}: ${firstLine(r.stderr)}`);
  try {
    return JSON.parse(r.stdout) as BenchJson;
  } catch {
    throw new Error(`maestro bench ${args.join(" ")} printed no JSON: ${firstLine(r.stdout)}`);
  }
}
