/**
 * The web gateway's rows (a browser tab is one more client of a session): attached throughput
 * over the maestro.v1 WebSocket while the program writes 80 MB, against dtach and against the CLI
 * attach; keystroke → echo through the WebSocket against the CLI attach; and what the daemon
 * holds per connected browser client against a socket attach client.
 */
import { FrameKind } from "../../src/protocol/frame.ts";
import { encodeJson } from "../../src/protocol/messages.ts";
import { PROTOCOL_VERSION } from "../../src/protocol/version.ts";
import {
  attachFloodRound, dtachFloodRound, FLOOD_PROGRAM, floodRate, formatNumber, interleave, median, mustRun, percentile, ptyClient, rssKiB, startMaestro, tempDir, timedFlood,
  waitFor, webLogin, wsClient,
  type Cell, type MaestroHome, type Row, type Scope,
} from "../lib.ts";

/** One WebSocket round: a session, a client joined (acking as it reads), the timed 80 MB. */
async function wsRound(scope: Scope, m: MaestroHome, login: Awaited<ReturnType<typeof webLogin>>, name: string, got: number[]): Promise<number> {
  await mustRun(m.argv("new", name, "--", "sh", "-c", FLOOD_PROGRAM), { env: m.env });
  const c = await wsClient(scope, login, name);
  await waitFor("the redraw", () => c.bytes > 0);
  const ms = await timedFlood(c, got);
  c.close();
  await mustRun(m.argv("rm", "--force", name), { env: m.env });
  return ms;
}

export const webThroughput: Row = {
  id: "web-throughput",
  figure: "attached throughput over the WebSocket, program writes 80 MB (client acks as it reads) vs dtach",
  peer: "dtach",
  needs: ["dtach"],
  target: { better: "higher", ratio: 1.1 },
  async run({ quick, scope, log }) {
    const rounds = quick ? 1 : 5;
    const m = await startMaestro(scope);
    const login = await webLogin(m);
    const dir = tempDir(scope, "mbw");
    const got = { ws: [] as number[], dtach: [] as number[] };
    let n = 0;
    log(`${rounds} rounds of 80 MB each, interleaved`);
    const s = await interleave(
      {
        ws: () => wsRound(scope, m, login, `w${n++}`, got.ws),
        dtach: () => dtachFloodRound(scope, dir, `d${n++}`, m.env, got.dtach),
      },
      rounds,
    );
    return { maestro: floodRate(s.ws, got.ws), peer: floodRate(s.dtach, got.dtach) };
  },
};

export const webThroughputCli: Row = {
  id: "web-throughput-cli",
  figure: "attached throughput, program writes 80 MB: WebSocket client vs maestro attach (a real PTY)",
  peer: "maestro attach",
  needs: [],
  target: { better: "higher", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const rounds = quick ? 1 : 3;
    const m = await startMaestro(scope);
    const login = await webLogin(m);
    const got = { ws: [] as number[], cli: [] as number[] };
    let n = 0;
    log(`${rounds} rounds of 80 MB each, interleaved`);
    const s = await interleave({ ws: () => wsRound(scope, m, login, `w${n++}`, got.ws), cli: () => attachFloodRound(scope, m, `c${n++}`, got.cli) }, rounds);
    return { maestro: floodRate(s.ws, got.ws), peer: floodRate(s.cli, got.cli) };
  },
};

export const webEchoLatency: Row = {
  id: "web-echo-latency",
  figure: "keystroke → echo through the WebSocket (p50) vs maestro attach",
  peer: "maestro attach",
  needs: [],
  target: { better: "lower", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    const login = await webLogin(m);
    await mustRun(m.argv("new", "e", "--", "sh", "-c", "exec cat"), { env: m.env });
    const ws = await wsClient(scope, login, "e");
    const cli = ptyClient(scope, m.argv("attach", "e"), m.env);
    await waitFor("both clients to draw", () => ws.bytes > 0 && cli.bytes > 0);
    let i = 0;
    const echo = async (c: { type(t: string): void; waitFor(marker: string, since: number, ms: number): Promise<number> }) => {
      const key = `k${(i++).toString(36)}q`;
      const t0 = performance.now();
      const done = c.waitFor(key, t0, 5000);
      c.type(key);
      return done;
    };
    await interleave({ ws: () => echo(ws), cli: () => echo(cli) }, 20); // warm-up
    const n = quick ? 50 : 500;
    log(`${n} keystrokes each, interleaved`);
    const s = await interleave({ ws: () => echo(ws), cli: () => echo(cli) }, n);
    const cell = (x: number[]): Cell => ({ kind: "value", value: median(x), unit: "ms", detail: `p99 ${percentile(x, 99).toFixed(2)} ms, n=${x.length}` });
    return { maestro: cell(s.ws), peer: cell(s.cli) };
  },
};

/** Socket attach clients held by this process (hello + attach, reading nothing back but the stream). */
async function socketAttach(scope: Scope, m: MaestroHome, session: string): Promise<void> {
  const sock = await Bun.connect({ unix: `${m.home}/maestro.sock`, socket: { data() {} } });
  scope.defer("close socket client", () => sock.end());
  sock.write(encodeJson(FrameKind.HELLO, { protocol: PROTOCOL_VERSION, client: "bench" }));
  sock.write(encodeJson(FrameKind.REQUEST, { id: 1, type: "attach", args: { name: session, cols: 80, rows: 24, read_only: true } }));
}

export const webClientRss: Row = {
  id: "web-client-rss",
  figure: "daemon memory per connected browser client (joined, idle) vs per socket attach client",
  peer: "socket attach",
  needs: [],
  target: { better: "lower", ratio: 1.5 },
  async run({ quick, scope, log }) {
    const n = quick ? 20 : 50;
    const m = await startMaestro(scope, { config: `[web]\nmax_connections_per_ip = ${n + 8}\n[sessions]\nmax_clients = ${n + 8}\n` });
    const login = await webLogin(m);
    for (const s of ["ws", "sock"]) await mustRun(m.argv("new", s, "--", "sh", "-c", "seq 1 2000; exec cat"), { env: m.env });
    const pid = m.daemonPid()!;
    const settle = async () => {
      Bun.gc(true);
      await Bun.sleep(1000);
      return rssKiB(pid);
    };
    // Warm both paths once, so the first client does not pay for loading code.
    await wsClient(scope, login, "ws", { cols: 80, rows: 24 }).then((c) => c.close());
    await socketAttach(scope, m, "sock");
    log(`${n} WebSocket clients, then ${n} socket attach clients`);
    const r0 = await settle();
    for (let i = 0; i < n; i++) await wsClient(scope, login, "ws");
    const r1 = await settle();
    for (let i = 0; i < n; i++) await socketAttach(scope, m, "sock");
    const r2 = await settle();
    const per = (kib: number): Cell => ({ kind: "value", value: Math.max(0, kib) / n, unit: "KiB", detail: `${formatNumber(Math.max(0, kib) / 1024)} MiB for ${n}` });
    return { maestro: per(r1 - r0), peer: per(r2 - r1) };
  },
};
