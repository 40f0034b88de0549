/**
 * Memory for 100 idle shells: the maestro daemon's resident set with 100 sessions of `sh`, versus
 * the resident sets of 100 dtach masters (one per shell) added up. The shells themselves are
 * separate processes on both sides and not counted.
 */
import { formatNumber, mustRun, rssKiB, startDtach, startMaestro, tempDir, totalRssKiB, type Row } from "../lib.ts";

const SHELLS = 100;

const row: Row = {
  id: "idle-shells-rss",
  figure: "memory with 100 idle shells: daemon RSS vs 100 dtach processes",
  peer: "dtach",
  needs: ["dtach"],
  target: { better: "lower", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const n = quick ? 20 : SHELLS;
    const maestro = await startMaestro(scope);
    log(`${n} sessions of sh in maestro, ${n} dtach masters`);
    for (let i = 0; i < n; i++) await mustRun(maestro.argv("new", `s${i}`, "--", "sh"), { env: maestro.env });
    for (let i = 0; i < n; i++) await mustRun(maestro.argv("wait", `s${i}`, "--idle", "300ms", "--timeout", "10s"), { env: maestro.env });
    const dir = tempDir(scope, "mbr");
    const masters: number[] = [];
    for (let i = 0; i < n; i++) masters.push((await startDtach(scope, `${dir}/s${i}.sock`, ["sh"])).pid);
    await Bun.sleep(500); // let both sides settle after the burst of starts
    const daemonKiB = rssKiB(maestro.daemonPid()!);
    const dtachKiB = totalRssKiB(masters);
    return {
      maestro: { kind: "value", value: daemonKiB / 1024, unit: "MiB", detail: `${formatNumber(daemonKiB / n)} KiB per shell` },
      peer: { kind: "value", value: dtachKiB / 1024, unit: "MiB", detail: `${formatNumber(dtachKiB / n)} KiB per shell` },
    };
  },
};

export default row;
