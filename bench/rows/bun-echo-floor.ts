/**
 * The floor under the durable-sends rows: a bare Bun request/response echo over a Unix socket,
 * with maestro's framing and JSON bodies but nothing else (bench/floor/echo.ts), at the same
 * concurrency, against the same Redis XADD. It shows what this stack can reach at all: when the
 * floor itself is under Redis, so is any Bun daemon, and the durable row is read against it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { capture, firstLine, rateCell, redisXaddCell, sizedRun, tempDir, waitFor, xaddSizing, type Row, type Throughput } from "../lib.ts";

const ECHO = join(import.meta.dir, "..", "floor", "echo.ts");
const SQLITE = join(import.meta.dir, "..", "floor", "sqlite-commit.ts");

export function echoFloorRow(clients: number): Row {
  return {
    id: `bun-echo-c${clients}`,
    figure: `floor: bare Bun Unix-socket echo (maestro's framing, no checks, no store), c=${clients}, vs \`redis-benchmark -c ${clients} XADD\``,
    peer: "redis",
    needs: ["redis-server", "redis-benchmark", "redis-cli"],
    target: { better: "higher", ratio: 1.0 },
    async run({ quick, scope, log }) {
      const sizing = xaddSizing(clients, quick);
      const peer = await redisXaddCell(scope, clients, sizing, log);
      const sock = join(tempDir(scope, "mbe"), "echo.sock");
      const server = Bun.spawn([process.execPath, ECHO, "server", sock], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      scope.defer("stop the echo server", async () => {
        server.kill("SIGTERM");
        await server.exited;
      });
      await waitFor("the echo server to listen", () => {
        if (server.exitCode !== null) throw new Error(`the echo server exited ${server.exitCode}`);
        return existsSync(sock);
      });
      const floor = await sizedRun((n) => echo(sock, clients, n), sizing);
      return { maestro: rateCell(floor.result, floor.n), peer };
    },
  };
}

async function echo(sock: string, clients: number, n: number): Promise<Throughput> {
  const r = await capture([process.execPath, ECHO, "client", sock, String(clients), String(n)], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`echo client exited ${r.code}: ${firstLine(r.stderr)}`);
  return JSON.parse(r.stdout) as Throughput;
}


/**
 * The other floor under the c=1 row: with one message in flight, every ack waits for a COMMIT of
 * its own, so no daemon on this store beats a bare bun:sqlite loop of one transaction per message.
 */
export const sqliteCommitFloor: Row = {
  id: "sqlite-commit-c1",
  figure: "floor: bare bun:sqlite, one transaction per message (WAL, synchronous=NORMAL; a message row and a delivery row), vs `redis-benchmark -c 1 XADD`",
  peer: "redis",
  needs: ["redis-server", "redis-benchmark", "redis-cli"],
  target: { better: "higher", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const sizing = xaddSizing(1, quick);
    const peer = await redisXaddCell(scope, 1, sizing, log);
    const dir = tempDir(scope, "msq");
    let round = 0;
    const floor = await sizedRun(async (n) => {
      const r = await capture([process.execPath, SQLITE, join(dir, `floor-${round++}.db`), String(n)], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`the sqlite floor exited ${r.code}: ${firstLine(r.stderr)}`);
      return JSON.parse(r.stdout) as Throughput;
    }, sizing);
    return { maestro: rateCell(floor.result, floor.n), peer };
  },
};

export const echoFloorC1 = echoFloorRow(1);
export const echoFloorC50 = echoFloorRow(50);
