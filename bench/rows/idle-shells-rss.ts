/**
 * Memory for N idle shells (SPEC §9: 100 and 1,000): the maestro daemon's resident set with N
 * sessions of `sh`, versus the resident sets of N dtach masters (one per shell) added up. The
 * shells themselves are separate processes on both sides and not counted.
 */
import { formatNumber, mustRun, rssKiB, startDtachMany, startMaestro, tempDir, totalRssKiB, waitFor, type Row } from "../lib.ts";

/** Runs `fn` over 0…n-1 with at most `width` in flight: the CLI starts are separate processes. */
async function pool(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

function idleShellsRow(id: string, shells: number, quickShells: number): Row {
  return {
    id,
    figure: `memory with ${shells.toLocaleString("en-US")} idle shells: daemon RSS vs ${shells.toLocaleString("en-US")} dtach processes`,
    peer: "dtach",
    needs: ["dtach"],
    target: { better: "lower", ratio: 1.0 },
    async run({ quick, scope, log }) {
      const n = quick ? quickShells : shells;
      const maestro = await startMaestro(scope);
      log(`${n} sessions of sh in maestro, ${n} dtach masters`);
      await pool(n, 8, (i) => mustRun(maestro.argv("new", `s${i}`, "--", "sh"), { env: maestro.env }));
      // Every shell has printed its prompt and gone quiet: one listing, not a `wait` per session.
      await waitFor(`${n} idle sessions`, async () => {
        const ls = JSON.parse(await mustRun(maestro.argv("ls", "--json"), { env: maestro.env })) as { activity: string }[];
        return ls.length === n && ls.every((s) => s.activity === "idle");
      }, 60_000 + n * 50);
      const dir = tempDir(scope, "mbr");
      const masters = await startDtachMany(scope, Array.from({ length: n }, (_, i) => `${dir}/s${i}.sock`), ["sh"]);
      await Bun.sleep(500); // let both sides settle after the burst of starts
      const daemonKiB = rssKiB(maestro.daemonPid()!);
      const dtachKiB = totalRssKiB(masters.map((m) => m.pid));
      return {
        maestro: { kind: "value", value: daemonKiB / 1024, unit: "MiB", detail: `${formatNumber(daemonKiB / n)} KiB per shell` },
        peer: { kind: "value", value: dtachKiB / 1024, unit: "MiB", detail: `${formatNumber(dtachKiB / n)} KiB per shell` },
      };
    },
  };
}

export default idleShellsRow("idle-shells-rss", 100, 20);
export const idleShellsRss1000 = idleShellsRow("idle-shells-rss-1000", 1000, 50);
