/**
 * `maestro service`: the unit text for systemd (a user unit) and launchd (a LaunchAgent) that runs
 * `maestro daemon` in the foreground for one home. Pure text, so tests check it without either
 * service manager present.
 */
export interface ServiceTarget {
  /** The absolute path of the maestro binary (process.execPath of the compiled binary). */
  binary: string;
  /** Arguments before `daemon`: the entry script when run from source (`bun src/main.ts`). */
  prefix: string[];
  home: string;
  /** MAESTRO_SOCKET, MAESTRO_CONFIG, … as set now: the service must find the same daemon. */
  env: Record<string, string>;
  /** The user's home directory (where ~/.config and ~/Library live). */
  userHome: string;
  /** XDG_CONFIG_HOME, if set. */
  xdgConfigHome?: string;
}

/** The default home gets the plain name; any other home a name of its own, so two can coexist. */
export function serviceName(home: string, userHome: string): string {
  if (home === `${userHome}/.maestro`) return "maestro";
  const tag = new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 8);
  return `maestro-${tag}`;
}

export function systemdUnitPath(t: ServiceTarget): string {
  return `${t.xdgConfigHome || `${t.userHome}/.config`}/systemd/user/${serviceName(t.home, t.userHome)}.service`;
}

export function launchdLabel(t: ServiceTarget): string {
  const name = serviceName(t.home, t.userHome);
  return name === "maestro" ? "dev.maestro.daemon" : `dev.maestro.daemon.${name.slice("maestro-".length)}`;
}

export function launchdPlistPath(t: ServiceTarget): string {
  return `${t.userHome}/Library/LaunchAgents/${launchdLabel(t)}.plist`;
}

/** One word of a systemd command line or assignment: quoted and escaped where needed. */
function systemdWord(s: string): string {
  // `%` starts a specifier in every systemd value; `$` a variable in ExecStart.
  const escaped = s.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function systemdUnit(t: ServiceTarget): string {
  const env = { MAESTRO_HOME: t.home, ...t.env };
  return [
    "# Written by `maestro service install`; remove with `maestro service uninstall`.",
    "[Unit]",
    `Description=maestro broker daemon (${t.home.replace(/%/g, "%%")})`,
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${[t.binary, ...t.prefix, "daemon"].map(systemdWord).join(" ")}`,
    ...Object.entries(env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`),
    "Restart=on-failure",
    "RestartSec=2",
    // The daemon stops its sessions itself on SIGTERM; give it the time that takes.
    "KillMode=mixed",
    "TimeoutStopSec=20",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function launchdPlist(t: ServiceTarget): string {
  // Log to daemon.log only (it rotates): launchd would keep stderr in a file that never does.
  const env = { MAESTRO_HOME: t.home, ...t.env, MAESTRO_DAEMON_BACKGROUND: "1" };
  const args = [t.binary, ...t.prefix, "daemon"];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `maestro service install`; remove with `maestro service uninstall`. -->",
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  <string>${xml(launchdLabel(t))}</string>`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...args.map((a) => `    <string>${xml(a)}</string>`),
    "  </array>",
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...Object.entries(env).flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    <string>${xml(v)}</string>`]),
    "  </dict>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    // Restart on failure only: a clean exit (`maestro daemon stop`) stays stopped.
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>2</integer>",
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
