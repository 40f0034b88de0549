/**
 * `maestro service`: the unit text, the refusal where systemd is absent or not running, and
 * install/status/uninstall against a stand-in `systemctl` (a real script on PATH that records its
 * arguments and keeps an enabled flag), since CI has no systemd user manager.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { launchdPlist, serviceName, systemdUnit } from "../src/client/service-unit.ts";
import { BIN, TestHome } from "./helpers.ts";

const homes: TestHome[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A home, a user home for ~/.config, and a bin directory holding a fake systemctl (or none). */
function setup(systemctl: "works" | "no-bus" | "absent") {
  const user = mkdtempSync(join(tmpdir(), "mt-user-"));
  dirs.push(user);
  const bin = join(user, "bin");
  mkdirSync(bin);
  const log = join(user, "systemctl.log");
  const state = join(user, "enabled");
  if (systemctl !== "absent") {
    const body =
      systemctl === "no-bus"
        ? `echo "Failed to connect to bus: No medium found" >&2; exit 1`
        : `case "$2" in
  is-active|is-enabled) [ -f "${state}" ] && exit 0 || exit 3 ;;
  enable) touch "${state}" ;;
  disable) rm -f "${state}" ;;
esac
exit 0`;
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$@" >> "${log}"\n${body}\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
  }
  const h = new TestHome({ env: { HOME: user, XDG_CONFIG_HOME: join(user, "config"), PATH: systemctl === "absent" ? bin : `${bin}:/usr/bin:/bin` } });
  homes.push(h);
  const unit = join(user, "config", "systemd", "user", `${serviceName(h.home, user)}.service`);
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { h, user, unit, calls };
}

describe("service", () => {
  test("--print shows the unit for this binary and home, installs nothing, needs no systemd", async () => {
    const { h, unit } = setup("absent");
    const out = await h.ok(["service", "install", "--print"]);
    expect(out).toContain(`# ${unit}\n`);
    expect(out).toContain(`ExecStart=${BIN} daemon\n`);
    expect(out).toContain(`Environment=MAESTRO_HOME=${h.home}\n`);
    expect(out).toContain("Restart=on-failure\n");
    expect(out).toContain("WantedBy=default.target\n");
    expect(existsSync(unit)).toBe(false);
  });

  test("install without systemctl: exit 1, says so, writes nothing", async () => {
    const { h, unit } = setup("absent");
    const r = await h.run(["service", "install"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/systemd is not available here \(no systemctl on PATH/);
    expect(existsSync(unit)).toBe(false);
  });

  test("install where systemctl --user cannot reach a user manager (a container): exit 1, writes nothing", async () => {
    const { h, unit, calls } = setup("no-bus");
    const r = await h.run(["service", "install"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/systemd is not running for this user \(systemctl --user: Failed to connect to bus/);
    expect(existsSync(unit)).toBe(false);
    expect(calls()).toEqual(["--user show-environment"]);
  });

  test("install writes the unit, reloads, enables and starts it; twice is idempotent; status; uninstall undoes it", async () => {
    const { h, unit, calls } = setup("works");
    const name = unit.split("/").at(-1)!;
    const first = await h.run(["service", "install"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`wrote ${unit}`);
    expect(first.stdout).toContain(`ran: systemctl --user enable --now ${name}`);
    expect(first.stdout).toMatch(/undo: `maestro service uninstall`/);
    const text = readFileSync(unit, "utf8");
    expect(text).toContain(`ExecStart=${BIN} daemon\n`);
    expect(calls()).toEqual(["--user show-environment", `--user is-active --quiet ${name}`, "--user daemon-reload", `--user enable --now ${name}`]);

    const second = await h.run(["service", "install"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`unchanged: ${unit}`);
    expect(readFileSync(unit, "utf8")).toBe(text);
    // Enabled and running already: no restart, the same two idempotent commands.
    expect(calls().slice(4)).toEqual(["--user show-environment", `--user is-active --quiet ${name}`, "--user daemon-reload", `--user enable --now ${name}`]);

    const status = JSON.parse(await h.ok(["service", "status", "--json"]));
    expect(status).toMatchObject({ manager: "systemd", name, file: unit, installed: true, enabled: true, running: true, binary: BIN });

    const un = await h.run(["service", "uninstall"]);
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toContain(`ran: systemctl --user disable --now ${name}`);
    expect(existsSync(unit)).toBe(false);
    expect(calls().slice(-2)).toEqual([`--user disable --now ${name}`, "--user daemon-reload"]);

    const after = await h.run(["service", "status"]);
    expect(after.code).toBe(3);
    expect(after.stdout).toMatch(/not installed/);
    const again = await h.run(["service", "uninstall"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/not installed .*nothing to do/);
  });

  test("bad actions: exit 2", async () => {
    const { h } = setup("absent");
    for (const args of [["service"], ["service", "start"], ["service", "status", "--print"]]) {
      const r = await h.run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("unit text", () => {
  const target = { binary: "/opt/my tools/maestro", prefix: [], home: "/home/u/100% & <more>", env: { MAESTRO_SOCKET: "/run/user/1/m.sock" }, userHome: "/home/u" };

  test("systemd: paths with spaces and % are quoted and escaped", () => {
    const unit = systemdUnit(target);
    expect(unit).toContain('ExecStart="/opt/my tools/maestro" daemon\n');
    expect(unit).toContain('Environment="MAESTRO_HOME=/home/u/100%% & <more>"\n');
    expect(unit).toContain("Environment=MAESTRO_SOCKET=/run/user/1/m.sock\n");
    expect(unit).toContain("Restart=on-failure\n");
  });

  test("launchd: a plist with the binary, the home, restart on failure, logging to daemon.log only", () => {
    const plist = launchdPlist(target);
    expect(plist).toMatch(/<key>Label<\/key>\n {2}<string>dev\.maestro\.daemon\.[0-9a-f]{8}<\/string>/);
    expect(plist).toContain("<key>ProgramArguments</key>\n  <array>\n    <string>/opt/my tools/maestro</string>\n    <string>daemon</string>\n  </array>");
    expect(plist).toContain("<key>MAESTRO_HOME</key>\n    <string>/home/u/100% &amp; &lt;more&gt;</string>");
    expect(plist).toContain("<key>MAESTRO_DAEMON_BACKGROUND</key>\n    <string>1</string>");
    expect(plist).toContain("<key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>");
    expect(plist).toContain("<key>RunAtLoad</key>\n  <true/>");
    expect(launchdPlist({ ...target, home: "/home/u/.maestro" })).toContain("<string>dev.maestro.daemon</string>");
  });
});
