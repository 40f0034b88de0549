/**
 * `maestro service install|uninstall|status`: a systemd user unit (Linux) or a launchd agent
 * (macOS) running `maestro daemon` for the current home. The service managers are driven through
 * their own command-line tools (`systemctl --user`, `launchctl`), found on PATH.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { MaestroError } from "../protocol/errors.ts";
import { isLocked, readPid } from "../protocol/lock.ts";
import { resolvePaths } from "../protocol/paths.ts";
import { selfCommand } from "./self.ts";
import { launchdLabel, launchdPlist, launchdPlistPath, serviceName, systemdUnit, systemdUnitPath, type ServiceTarget } from "./service-unit.ts";

/** Settings the service's daemon must share with this shell to be the same daemon. */
const CARRIED_ENV = ["MAESTRO_SOCKET", "MAESTRO_CONFIG", "MAESTRO_LOG_LEVEL"];

export type Manager = "systemd" | "launchd";

export interface ServiceReport {
  manager: Manager;
  name: string;
  file: string;
  installed: boolean;
  /** install: whether the file was (re)written or already said the same. */
  changed?: boolean;
  enabled?: boolean;
  running?: boolean;
  /** The binary the installed unit runs. */
  binary?: string;
  /** The commands that were run, in order. */
  ran: string[];
  /** How to undo what was done, or what to do next. */
  notes: string[];
}

export function currentTarget(): ServiceTarget {
  const [binary, ...prefix] = selfCommand();
  const env: Record<string, string> = {};
  for (const k of CARRIED_ENV) if (process.env[k]) env[k] = process.env[k]!;
  const userHome = process.env.HOME || (require("node:os") as typeof import("node:os")).homedir();
  return { binary: binary!, prefix, home: resolvePaths().home, env, userHome, ...(process.env.XDG_CONFIG_HOME ? { xdgConfigHome: process.env.XDG_CONFIG_HOME } : {}) };
}

export function manager(): Manager {
  if (process.platform === "linux") return "systemd";
  if (process.platform === "darwin") return "launchd";
  throw new MaestroError("internal", `service: ${process.platform} has neither systemd nor launchd; run \`maestro daemon\` under your own supervisor`);
}

/** The unit or plist text and where it goes. */
export function unitFor(m: Manager, t: ServiceTarget): { file: string; text: string; name: string } {
  return m === "systemd"
    ? { file: systemdUnitPath(t), text: systemdUnit(t), name: `${serviceName(t.home, t.userHome)}.service` }
    : { file: launchdPlistPath(t), text: launchdPlist(t), name: launchdLabel(t) };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(ran: string[], argv: string[]): Ran {
  ran.push(argv.join(" "));
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  return { code: p.exitCode ?? 1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

function firstLine(r: Ran): string {
  return (r.stderr.trim() || r.stdout.trim()).split("\n")[0] || `exit ${r.code}`;
}

/** Refuses, with exit 1, where the service manager is absent or not running for this user. */
function requireManager(m: Manager): void {
  if (m === "systemd") {
    if (!Bun.which("systemctl")) {
      throw new MaestroError("internal", "service: systemd is not available here (no systemctl on PATH; a container?); run `maestro daemon` under your own supervisor, or see `maestro service install --print`");
    }
    const p = Bun.spawnSync(["systemctl", "--user", "show-environment"], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    if (p.exitCode !== 0) {
      const why = p.stderr.toString().trim().split("\n")[0] || `exit ${p.exitCode}`;
      throw new MaestroError("internal", `service: systemd is not running for this user (systemctl --user: ${why}); run \`maestro daemon\` under your own supervisor, or see \`maestro service install --print\``);
    }
  } else if (!Bun.which("launchctl")) {
    throw new MaestroError("internal", "service: launchctl is not on PATH; run `maestro daemon` under your own supervisor, or see `maestro service install --print`");
  }
}

function must(r: Ran, what: string): void {
  if (r.code !== 0) throw new MaestroError("internal", `service: ${what} failed: ${firstLine(r)}`);
}

export function install(m: Manager, t: ServiceTarget): ServiceReport {
  requireManager(m);
  const { file, text, name } = unitFor(m, t);
  const ran: string[] = [];
  const notes: string[] = [];
  const before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const changed = before !== text;
  if (changed) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, text, { mode: 0o644 });
  }
  if (m === "systemd") {
    const active = Bun.spawnSync(["systemctl", "--user", "is-active", "--quiet", name], { stdin: "ignore" }).exitCode === 0;
    const lock = resolvePaths().lock;
    if (!active && isLocked(lock)) {
      notes.push(`a daemon already runs for ${t.home} outside the service (pid ${readPid(lock) ?? "?"}): the service's daemon cannot start until it stops: \`maestro daemon stop\`, then \`systemctl --user restart ${name}\``);
    }
    must(run(ran, ["systemctl", "--user", "daemon-reload"]), "systemctl --user daemon-reload");
    must(run(ran, ["systemctl", "--user", "enable", "--now", name]), `systemctl --user enable --now ${name}`);
    // A unit that changed under a running daemon takes effect at its next start.
    if (changed && active) must(run(ran, ["systemctl", "--user", "restart", name]), `systemctl --user restart ${name}`);
    notes.push(`it starts when you log in; to start it at boot without a login: \`loginctl enable-linger $USER\``);
    notes.push(`undo: \`maestro service uninstall\` (systemctl --user disable --now ${name}, then the file is removed)`);
  } else {
    const domain = `gui/${process.getuid?.() ?? 0}`;
    const loaded = run([], ["launchctl", "print", `${domain}/${name}`]).code === 0;
    if (loaded && changed) run(ran, ["launchctl", "bootout", `${domain}/${name}`]);
    if (!loaded || changed) must(run(ran, ["launchctl", "bootstrap", domain, file]), `launchctl bootstrap ${domain} ${file}`);
    notes.push(`undo: \`maestro service uninstall\` (launchctl bootout ${domain}/${name}, then the file is removed)`);
  }
  return { manager: m, name, file, installed: true, changed, enabled: true, running: true, binary: t.binary, ran, notes };
}

export function uninstall(m: Manager, t: ServiceTarget): ServiceReport {
  const { file, name } = unitFor(m, t);
  const ran: string[] = [];
  if (!existsSync(file)) return { manager: m, name, file, installed: false, ran, notes: ["nothing to do: it is not installed"] };
  requireManager(m);
  if (m === "systemd") {
    must(run(ran, ["systemctl", "--user", "disable", "--now", name]), `systemctl --user disable --now ${name}`);
    rmSync(file, { force: true });
    must(run(ran, ["systemctl", "--user", "daemon-reload"]), "systemctl --user daemon-reload");
  } else {
    const domain = `gui/${process.getuid?.() ?? 0}`;
    run(ran, ["launchctl", "bootout", `${domain}/${name}`]); // fails harmlessly when not loaded
    rmSync(file, { force: true });
  }
  return { manager: m, name, file, installed: false, enabled: false, running: false, ran, notes: ["the daemon it ran is stopped; `maestro daemon start` runs one by hand"] };
}

export function status(m: Manager, t: ServiceTarget): ServiceReport {
  const { file, name } = unitFor(m, t);
  const notes: string[] = [];
  if (!existsSync(file)) return { manager: m, name, file, installed: false, ran: [], notes: ["not installed: `maestro service install`"] };
  const text = readFileSync(file, "utf8");
  const binary = m === "systemd" ? execStartBinary(text) : unxml(/<key>ProgramArguments<\/key>\s*<array>\s*<string>([^<]*)<\/string>/.exec(text)?.[1]);
  if (binary && binary !== t.binary) notes.push(`the unit runs ${binary}, not this maestro (${t.binary}): \`maestro service install\` updates it`);
  try {
    requireManager(m);
  } catch (err) {
    notes.push((err as Error).message);
    return { manager: m, name, file, installed: true, ...(binary ? { binary } : {}), ran: [], notes };
  }
  let enabled: boolean;
  let running: boolean;
  if (m === "systemd") {
    enabled = Bun.spawnSync(["systemctl", "--user", "is-enabled", "--quiet", name], { stdin: "ignore" }).exitCode === 0;
    running = Bun.spawnSync(["systemctl", "--user", "is-active", "--quiet", name], { stdin: "ignore" }).exitCode === 0;
  } else {
    const p = run([], ["launchctl", "print", `gui/${process.getuid?.() ?? 0}/${name}`]);
    enabled = p.code === 0;
    running = enabled && /state = running/.test(p.stdout);
  }
  if (!running) notes.push(m === "systemd" ? `not running: see \`journalctl --user -u ${name}\` and ${t.home}/daemon.log` : `not running: see ${t.home}/daemon.log`);
  return { manager: m, name, file, installed: true, enabled, running, ...(binary ? { binary } : {}), ran: [], notes };
}

function execStartBinary(unit: string): string | undefined {
  const m = /^ExecStart=(?:"((?:[^"\\]|\\.)*)"|(\S+))/m.exec(unit);
  const word = m?.[1]?.replace(/\\(.)/g, "$1") ?? m?.[2];
  return word?.replace(/%%/g, "%").replace(/\$\$/g, "$");
}

function unxml(s: string | undefined): string | undefined {
  return s?.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}
