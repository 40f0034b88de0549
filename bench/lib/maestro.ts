/**
 * maestro under test: the compiled binary, a throwaway MAESTRO_HOME (short, under /tmp) and a
 * daemon running in it, stopped and removed afterwards.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture, cleanEnv, isAlive, mustRun, type Captured, type Env } from "./proc.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

export const ROOT = join(import.meta.dir, "..", "..");
const BUILT = join(ROOT, "dist", "maestro");
/** The binary under test: this tree's build, or another one (a release, a branch) named in BENCH_MAESTRO_BIN. */
export const BIN = process.env.BENCH_MAESTRO_BIN || BUILT;

export async function ensureBuilt(log: (line: string) => void): Promise<void> {
  if (BIN !== BUILT) {
    if (!existsSync(BIN)) throw new Error(`BENCH_MAESTRO_BIN=${BIN} does not exist`);
    return;
  }
  if (existsSync(BIN)) return;
  log("dist/maestro missing: building it…");
  await mustRun([process.execPath, join(ROOT, "scripts", "build.ts")], { timeoutMs: 300_000 });
}

export interface MaestroHome {
  home: string;
  /** MAESTRO_HOME set, autostart off: a dead daemon fails a run instead of being restarted unseen. */
  env: Env;
  argv(...args: string[]): string[];
  run(args: string[], timeoutMs?: number): Promise<Captured>;
  daemonPid(): number | undefined;
}

/** `config`: the home's config.toml, written before the daemon starts. */
export async function startMaestro(scope: Scope, opts: { config?: string } = {}): Promise<MaestroHome> {
  const home = tempDir(scope, "mb");
  if (opts.config !== undefined) writeFileSync(join(home, "config.toml"), opts.config);
  const env = cleanEnv({ MAESTRO_HOME: home, MAESTRO_NO_AUTOSTART: "1" });
  const m: MaestroHome = {
    home,
    env,
    argv: (...args) => [BIN, ...args],
    run: (args, timeoutMs) => capture([BIN, ...args], { env, timeoutMs }),
    daemonPid() {
      try {
        const pid = Number(readFileSync(join(home, "daemon.lock"), "utf8").trim());
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
  };
  // Registered before the start, so a half-started daemon is still stopped.
  scope.defer("stop maestro daemon", async () => {
    const pid = m.daemonPid();
    const stopped = await m.run(["daemon", "stop", "--force"], 15_000);
    if (stopped.code !== 0 && pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  await mustRun(m.argv("daemon", "start"), { env, timeoutMs: 15_000 });
  return m;
}
