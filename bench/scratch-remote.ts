import { attachFloodRound, freePort, mustRun, ptyClient, startMaestro, tempDir, timedFlood, waitFor, FLOOD_PROGRAM, Scope } from "./lib.ts";
import { readFileSync } from "node:fs";
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
const scope = new Scope();
try {
  const dir = tempDir(scope, "mbn"); const port = await freePort();
  const nats = Bun.spawn(["nats-server", "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], { stdout: "ignore", stderr: "ignore" });
  scope.defer("nats", async () => { nats.kill(); await nats.exited; });
  await Bun.sleep(500);
  const url = `nats://127.0.0.1:${port}`;
  const fed = (h: string, x = "") => `[federation]\nnats = "${url}"\nhost = "${h}"\n${x}`;
  const beta = await startMaestro(scope, { config: fed("beta", 'remote_control = ["alpha"]\n') });
  const alpha = await startMaestro(scope, { config: fed("alpha") });
  const pids = { nats: nats.pid, alpha: alpha.daemonPid()!, beta: beta.daemonPid()! };
  const snap = () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpu(p)]));
  for (let i = 0; i < Number(process.argv[2] ?? 1); i++) {
    let s0 = snap(); const got: number[] = [];
    const name = `r${i}`;
    await mustRun(beta.argv("new", name, "--", "sh", "-c", FLOOD_PROGRAM), { env: beta.env });
    await waitFor("dir", async () => (await alpha.run(["ls", "--all-hosts", "--json"])).stdout.includes(`"${name}"`), 15000);
    const c = ptyClient(scope, alpha.argv("attach", `${name}@beta`), alpha.env);
    await waitFor("draw", () => c.bytes > 0, 10000);
    s0 = snap();
    const ms = await timedFlood(c, got);
    const s1 = snap();
    await c.close();
    await mustRun(beta.argv("rm", "--force", name), { env: beta.env });
    console.log(`remote ${ms.toFixed(0)} ms got ${got[0]} cpu ms`, Object.fromEntries(Object.keys(pids).map((k) => [k, s1[k]! - s0[k]!])));
    const g2: number[] = []; const b0 = snap();
    const t0 = performance.now();
    const lm = await attachFloodRound(scope, beta, `l${i}`, g2);
    const b1 = snap();
    console.log(`local ${lm.toFixed(0)} ms got ${g2[0]} cpu ms`, Object.fromEntries(Object.keys(pids).map((k) => [k, b1[k]! - b0[k]!])), (performance.now()-t0).toFixed(0));
  }
} finally { await scope.close(); }
