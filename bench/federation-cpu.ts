/**
 * Where a cross-host message's CPU goes: a nats-server and two daemons (as the bench rows start
 * them), N sends alpha → bob@beta at C connections, and each process's CPU time (utime+stime from
 * /proc) per message over the run. CPU time drifts less than rates on a loaded machine.
 *
 *   bun bench/federation-cpu.ts [C=1] [N=2000]
 */
import { readFileSync, readdirSync } from "node:fs";
import { Scope } from "./lib/scope.ts";
import { followBob, startFedPair } from "./lib/federation.ts";
const scope = new Scope();
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
const natsPid = () => Number(readdirSync("/proc").find((p) => /^\d+$/.test(p) && (() => { try { return readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("nats-server"); } catch { return false; } })()));
try {
  const pair = await startFedPair(scope);
  const follow = await followBob(pair);
  const conc = Number(process.argv[2] ?? 1), n = Number(process.argv[3] ?? 2000);
  const clients = await Promise.all(Array.from({ length: conc }, () => pair.client(pair.a)));
  const pids = { alpha: pair.a.daemonPid()!, beta: pair.b.daemonPid()!, nats: natsPid(), bench: process.pid };
  for (let i = 0; i < 300; i++) await clients[0]!.request("send", { to: ["bob@beta"], body: `w-${i}` });
  await follow.until(() => follow.arrived.has("w-299"));
  await Bun.sleep(500);
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpu(p)]));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(clients.map(async (c) => { for (let i = next++; i < n; i = next++) await c.request("send", { to: ["bob@beta"], body: `m-${i}` }); }));
  const tc = performance.now();
  await follow.until(() => { for (let i = n - 1; i >= 0; i--) if (!follow.arrived.has(`m-${i}`)) return false; return true; });
  const ta = performance.now();
  await Bun.sleep(1500);
  const after = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpu(p)]));
  console.log(`c=${conc} n=${n}: committed ${Math.round(n / ((tc - t0) / 1000))}/s, arrived ${Math.round(n / ((ta - t0) / 1000))}/s`);
  for (const k of Object.keys(pids)) console.log(`  ${k}: ${((after[k]! - before[k]!) * 1000 / n).toFixed(1)} µs CPU/msg`);
} finally { await scope.close(); }
