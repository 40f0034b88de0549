/**
 * An MCP `send_message` tool call's round trip (the SDK's client → `maestro mcp` over stdio →
 * the daemon's durable commit → back), on one MCP session, versus a whole `maestro send` process.
 * Runs alternate, so drift on a shared machine lands on both sides alike.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { interleave, median, mustRun, percentile, startMaestro, timeProcess, type Cell, type Row } from "../lib.ts";

const row: Row = {
  id: "mcp-send",
  figure: "MCP `send_message` tool call round trip (one MCP session) vs `maestro send` process (median)",
  peer: "maestro send",
  needs: [],
  target: { better: "lower", ratio: 0.1 },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    await mustRun(m.argv("register", "sink"), { env: m.env });
    const transport = new StdioClientTransport({ command: m.argv()[0]!, args: ["mcp"], env: m.env, stderr: "ignore" });
    const client = new Client({ name: "maestro-bench", version: "1.0.0" });
    scope.defer("close the MCP client", () => client.close());
    await client.connect(transport);
    const samplers = {
      mcp: async () => {
        const t0 = performance.now();
        const r = await client.callTool({ name: "send_message", arguments: { to: "sink", body: "run the tests and report" } });
        const ms = performance.now() - t0;
        if (r.isError) throw new Error(`send_message failed: ${JSON.stringify(r.content)}`);
        return ms;
      },
      process: () => timeProcess(m.argv("send", "sink", "run the tests and report"), m.env),
    };
    await interleave(samplers, quick ? 5 : 20);
    const n = quick ? 30 : 200;
    log(`${n} runs each, interleaved`);
    const samples = await interleave(samplers, n);
    return { maestro: msCell(samples.mcp), peer: msCell(samples.process) };
  },
};

function msCell(ms: number[]): Cell {
  return { kind: "value", value: median(ms), unit: "ms", detail: `p50 ${median(ms).toFixed(3)} ms, p99 ${percentile(ms, 99).toFixed(3)} ms, n=${ms.length}` };
}

export default row;
