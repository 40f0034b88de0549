/**
 * Remote attach throughput: `maestro attach w@beta` on alpha, the session on beta, the two
 * daemons federated through a nats-server this row starts in its own temp dir and port (output
 * goes beta → NATS → alpha → the client's PTY, sealed with AES-GCM, paced by acks). Against the
 * same 80 MB flood attached locally on beta, rounds interleaved. The floor (≥ 0.5× local) is our
 * own, not a SPEC target: a remote terminal pays two more hops and a seal per chunk.
 */
import { startNats } from "../lib/federation.ts";
import { attachFloodRound, floodRate, interleave, mustRun, ptyClient, startMaestro, timedFlood, waitFor, FLOOD_PROGRAM, type MaestroHome, type Row, type Scope } from "../lib.ts";

const fed = (url: string, host: string, extra = "") => `[federation]\nnats = "${url}"\nhost = "${host}"\n${extra}`;

/** One remote round: the session on beta, the client attached through alpha. */
async function remoteRound(scope: Scope, alpha: MaestroHome, beta: MaestroHome, name: string, got: number[]): Promise<number> {
  await mustRun(beta.argv("new", name, "--", "sh", "-c", FLOOD_PROGRAM), { env: beta.env });
  await waitFor(`${name}@beta in alpha's directory`, async () => (await alpha.run(["ls", "--all-hosts", "--json"])).stdout.includes(`"${name}"`), 15_000);
  const c = ptyClient(scope, alpha.argv("attach", `${name}@beta`), alpha.env);
  await waitFor("the remote attach to draw", () => c.bytes > 0, 10_000);
  const ms = await timedFlood(c, got);
  await c.close();
  await mustRun(beta.argv("rm", "--force", name), { env: beta.env });
  return ms;
}

const row: Row = {
  id: "remote-attach-throughput",
  figure: "remote attach throughput (name@host through NATS), program writes 80 MB, vs local attach",
  peer: "local attach",
  needs: ["nats-server"],
  target: { better: "higher", ratio: 0.5 },
  async run({ quick, scope, log }) {
    const rounds = quick ? 1 : 5;
    const { url } = await startNats(scope);
    const beta = await startMaestro(scope, { config: fed(url, "beta", 'remote_control = ["alpha"]\n') });
    const alpha = await startMaestro(scope, { config: fed(url, "alpha") });
    const got = { remote: [] as number[], local: [] as number[] };
    let n = 0;
    log(`${rounds} rounds of 80 MB each, remote and local interleaved`);
    const s = await interleave(
      {
        remote: () => remoteRound(scope, alpha, beta, `r${n++}`, got.remote),
        local: () => attachFloodRound(scope, beta, `l${n++}`, got.local),
      },
      rounds,
    );
    return { maestro: floodRate(s.remote, got.remote), peer: floodRate(s.local, got.local) };
  },
};

export default row;
