/**
 * `maestro doctor`: checks a home and its daemon without changing either — it never starts a
 * daemon, never writes to the home, and opens the store read-only. Each check says ok, warn, fail
 * or skip (not configured), and what to do about anything but ok. Add a check by appending to
 * CHECKS: each gets the shared context (paths, the daemon's welcome if one answered) and returns
 * one result.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statfsSync, statSync } from "node:fs";
import { MaestroError } from "../protocol/errors.ts";
import { isLocked, readPid } from "../protocol/lock.ts";
import type { Welcome } from "../protocol/messages.ts";
import { dirname, judgeDir, type Paths } from "../protocol/paths.ts";
import type { SessionInfo } from "../protocol/requests.ts";
import { PROTOCOL_VERSION, VERSION } from "../protocol/version.ts";
import { Client } from "./connection.ts";
import { isNoDaemon } from "./autostart.ts";
import { readStore } from "./read-store.ts";
import { federationOutcome, type FederationView } from "./doctor-federation.ts";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do; present for warn and fail. */
  fix?: string;
}

type Outcome = Omit<CheckResult, "name">;

interface DoctorContext {
  paths: Paths;
  /** The daemon's answer, or why there is none. */
  daemon: { welcome: Welcome; sessions: SessionInfo[] | undefined; federation: FederationView | undefined } | { error: unknown };
  config: Record<string, unknown> | undefined;
}

interface Check {
  name: string;
  run(ctx: DoctorContext): Outcome | Promise<Outcome>;
}

const MiB = 1024 * 1024;
const ok = (detail: string): Outcome => ({ status: "ok", detail });
const warn = (detail: string, fix: string): Outcome => ({ status: "warn", detail, fix });
const fail = (detail: string, fix: string): Outcome => ({ status: "fail", detail, fix });

function mode(m: number): string {
  return (m & 0o7777).toString(8).padStart(4, "0");
}

/** judgeDir's refusal split into what is wrong and what to do (its message says both after "; "). */
function dirOutcome(dir: string, what: string): Outcome {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return ok(`${dir} does not exist yet; the daemon creates it (0700)`);
  }
  try {
    judgeDir(dir, what, st);
  } catch (err) {
    const msg = (err as Error).message;
    const i = msg.indexOf("; ");
    return fail(i > 0 ? msg.slice(0, i) : msg, i > 0 ? msg.slice(i + 2) : `make ${dir} a directory of your own, mode 0700`);
  }
  return ok(`${dir} (mode ${mode(st.mode)}, yours)`);
}

const CHECKS: Check[] = [
  { name: "home", run: ({ paths }) => dirOutcome(paths.home, "home") },
  {
    name: "socket",
    run: ({ paths, daemon }) => {
      const dir = dirname(paths.socket);
      if (dir !== paths.home) {
        const d = dirOutcome(dir, "socket directory");
        if (d.status !== "ok") return d;
      }
      let st;
      try {
        st = lstatSync(paths.socket);
      } catch {
        return "welcome" in daemon ? fail(`${paths.socket} is missing, yet a daemon answered`, "restart it: `maestro daemon restart`") : ok(`${paths.socket}: none (no daemon running)`);
      }
      if (!st.isSocket()) return fail(`${paths.socket} is not a socket`, `remove it (\`rm ${paths.socket}\`) and start the daemon`);
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) return fail(`${paths.socket} is owned by uid ${st.uid}, not by you (uid ${uid})`, "use a home of your own (MAESTRO_HOME) or another MAESTRO_SOCKET");
      if ((st.mode & 0o077) !== 0) return fail(`${paths.socket} has mode ${mode(st.mode)}; others could connect`, "restart the daemon (it makes the socket 0600): `maestro daemon restart`");
      if ("welcome" in daemon) return ok(`${paths.socket} (mode ${mode(st.mode)}, yours)`);
      if (isLocked(paths.lock)) return ok(`${paths.socket}: a daemon holds the lock (see the daemon check)`);
      return warn(`${paths.socket} is stale: no daemon answers on it`, `harmless (the next daemon removes it); \`rm ${paths.socket}\` or \`maestro daemon start\``);
    },
  },
  {
    name: "daemon",
    run: ({ paths, daemon }) => {
      if ("welcome" in daemon) {
        const w = daemon.welcome;
        if (w.version !== VERSION) {
          return fail(`the daemon (pid ${w.pid}) runs maestro ${w.version}, this client is ${VERSION}`, "restart it to run this version: `maestro daemon restart` (add --force if sessions run: they end)");
        }
        return ok(`pid ${w.pid}, maestro ${w.version}, protocol ${w.protocol}`);
      }
      const e = daemon.error;
      if (e instanceof MaestroError && e.code === "incompatible") return fail(e.message, "restart the daemon with this maestro: `maestro daemon stop --force && maestro daemon start`");
      if (isNoDaemon(e) || (e instanceof MaestroError && e.details?.closed_without_reason === true)) {
        if (isLocked(paths.lock)) {
          const pid = readPid(paths.lock);
          return fail(`pid ${pid ?? "?"} holds ${paths.lock} but nothing answers on ${paths.socket}`, pid ? `is it stopped? \`kill -CONT ${pid}\`; or end it: \`kill ${pid}\`` : "wait a moment and run doctor again");
        }
        return warn("not running", "`maestro daemon start` (any client verb also starts it), or `maestro service install`");
      }
      return fail(`the daemon did not answer properly: ${(e as Error).message}`, "see daemon.log in the home; `maestro daemon restart`");
    },
  },
  {
    name: "config",
    run: async ({ paths }) => {
      if (!existsSync(paths.config)) return ok(`${paths.config}: none (every key has its default)`);
      const { loadConfig } = await import("../broker/config.ts");
      try {
        loadConfig(paths.config);
      } catch (err) {
        return fail((err as Error).message, `fix ${paths.config} (docs/cli.md lists every key); the daemon refuses to start with it`);
      }
      return ok(`${paths.config} is valid`);
    },
  },
  {
    name: "store",
    run: async ({ paths }) => {
      if (!existsSync(paths.db)) return ok(`${paths.db}: none yet`);
      const { MIGRATIONS } = await import("../broker/store/migrations.ts");
      const newest = MIGRATIONS.at(-1)!.version;
      const bytes = statSync(paths.db).size;
      const aside = `move it and its -wal aside and start afresh, or restore a backup (\`maestro restore FILE\` into an empty home)`;
      try {
        return readStore(paths.db, () => !isLocked(paths.lock), (db) => {
          const rows = db.query("PRAGMA integrity_check").all() as { integrity_check: string }[];
          if (rows.length !== 1 || rows[0]!.integrity_check !== "ok") return fail(`${paths.db} fails SQLite's integrity check: ${rows[0]?.integrity_check ?? "no answer"}`, aside);
          const version = (db.query("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0;
          if (version > newest) return fail(`${paths.db} has schema ${version}, newer than this maestro knows (${newest})`, "run the newer maestro that wrote it");
          const messages = (db.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
          const size = `${(bytes / MiB).toFixed(1)} MiB, ${messages} messages, schema ${version}`;
          if (version < newest) return ok(`${paths.db} intact (${size}); the daemon migrates it to schema ${newest} when it starts`);
          return ok(`${paths.db} intact (${size})`);
        });
      } catch (err) {
        return fail(`${paths.db} cannot be read: ${(err as Error).message}`, aside);
      }
    },
  },
  {
    name: "wal",
    run: ({ paths }) => {
      let bytes: number;
      try {
        bytes = statSync(`${paths.db}-wal`).size;
      } catch {
        return ok("no WAL file (the store is checkpointed)");
      }
      // The checkpointer rewinds the WAL by 256 MiB of frames (and truncates it once writes have
      // paused for 30 s); far past that, something holds it.
      if (bytes > 512 * MiB) return warn(`${paths.db}-wal is ${(bytes / MiB).toFixed(0)} MiB`, "a long-lived reader may be holding it (an open `sqlite3` shell?); close it, or restart the daemon");
      return ok(`${(bytes / MiB).toFixed(1)} MiB`);
    },
  },
  {
    name: "disk",
    run: ({ paths }) => {
      let where = paths.home;
      while (!existsSync(where) && where !== "/") where = dirname(where);
      const s = statfsSync(where);
      const free = s.bavail * s.bsize;
      const share = s.blocks > 0 ? s.bavail / s.blocks : 1;
      const detail = `${(free / MiB / 1024).toFixed(1)} GiB free (${(share * 100).toFixed(0)}%) on the filesystem of ${where}`;
      if (free < 100 * MiB) return fail(detail, "free some space: sends fail (and store nothing) on a full disk; `maestro purge --older-than 30d` drops old messages");
      if (free < 1024 * MiB || share < 0.05) return warn(detail, "free some space before the disk fills");
      return ok(detail);
    },
  },
  {
    name: "logs",
    run: ({ paths }) => {
      const files = [paths.log, ...listDir(`${paths.home}/logs`).map((f) => `${paths.home}/logs/${f}`)];
      let total = 0;
      for (const f of files) {
        try {
          total += statSync(f).size;
        } catch {
          // gone meanwhile
        }
      }
      return ok(`${files.length - 1} session log files and daemon.log: ${(total / MiB).toFixed(1)} MiB (they rotate: [daemon] and [sessions] log_max_bytes, log_keep)`);
    },
  },
  { name: "web", run: ({ config }) => (config?.web === undefined ? { status: "skip", detail: "not configured" } : ok("configured (reachability is not checked by this version)")) },
  { name: "federation", run: ({ paths, config, daemon }) => federationOutcome(paths.home, config?.federation !== undefined, "welcome" in daemon ? daemon.federation : undefined) },
  {
    name: "sessions",
    run: ({ paths, daemon }) => {
      if (process.platform !== "linux") return { status: "skip", detail: "needs /proc (Linux)" };
      const running = new Set("welcome" in daemon ? (daemon.sessions ?? []).filter((s) => s.state === "running").map((s) => s.name) : []);
      if ("welcome" in daemon && daemon.sessions === undefined) return { status: "skip", detail: "the daemon did not list its sessions" };
      const leftovers = sessionProcesses(paths.socket).filter((p) => !running.has(p.session));
      if (leftovers.length === 0) return ok(`no process left behind by an ended session${running.size ? ` (${running.size} running)` : ""}`);
      const shown = leftovers.slice(0, 5).map((p) => `${p.pid} (${p.session})`).join(", ");
      return warn(`${leftovers.length} processes of sessions that no longer run: ${shown}${leftovers.length > 5 ? ", …" : ""}`, `end them if they should not run on: \`kill ${leftovers.map((p) => p.pid).slice(0, 10).join(" ")}\``);
    },
  },
];

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Processes (ours to read) whose environment says a session of this socket's daemon started them. */
function sessionProcesses(socket: string): { pid: number; session: string }[] {
  const found: { pid: number; session: string }[] = [];
  for (const entry of listDir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    const vars = env.split("\0");
    if (!vars.includes(`MAESTRO_SOCKET=${socket}`)) continue;
    const session = vars.find((v) => v.startsWith("MAESTRO_SESSION="))?.slice("MAESTRO_SESSION=".length);
    if (session) found.push({ pid, session });
  }
  return found;
}

async function askDaemon(paths: Paths): Promise<DoctorContext["daemon"]> {
  let client: Client;
  try {
    client = await Client.connect({ socket: paths.socket, lock: paths.lock, timeoutMs: 3000 });
  } catch (error) {
    return { error };
  }
  try {
    const welcome = await client.welcome;
    let sessions: SessionInfo[] | undefined;
    let federation: FederationView | undefined;
    if (welcome.protocol === PROTOCOL_VERSION) {
      sessions = await client.request("ls", {}).catch(() => undefined);
      const status = (await client.request("status", {}).catch(() => undefined))?.federation;
      federation = { status, hosts: status ? (await client.request("directory", {}).catch(() => undefined))?.hosts : undefined };
    }
    return { welcome, sessions, federation };
  } catch (error) {
    return { error };
  } finally {
    client.close();
  }
}

function rawConfig(path: string): Record<string, unknown> | undefined {
  try {
    return (require("smol-toml") as typeof import("smol-toml")).parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

export async function runDoctor(paths: Paths): Promise<CheckResult[]> {
  const ctx: DoctorContext = { paths, daemon: await askDaemon(paths), config: rawConfig(paths.config) };
  const results: CheckResult[] = [];
  for (const c of CHECKS) {
    try {
      results.push({ name: c.name, ...(await c.run(ctx)) });
    } catch (err) {
      results.push({ name: c.name, status: "fail", detail: `the check itself failed: ${(err as Error).message}`, fix: "report this; the other checks still ran" });
    }
  }
  return results;
}
