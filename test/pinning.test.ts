/**
 * A process started in a session can never become the operator or another identity, however it
 * leaves the session's tree: each escape of issue 10 is tried from inside real sessions, and every
 * forbidden action must be refused. Also: the daemon's and sessions' environments.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { Client } from "../src/client/connection.ts";
import { BIN, TestHome, waitFor } from "./helpers.ts";

const h = new TestHome();
afterAll(() => h.cleanup());
afterEach(async () => {
  for (const s of JSON.parse(await h.ok(["ls", "--json"])) as { name: string }[]) await h.ok(["rm", "--force", s.name]);
});

const PROBE = join(h.home, "probe.sh");
const CHAIN = join(h.home, "chain.sh");
// probe.sh DIR [PPID]: waits until its parent is PPID (it has been re-parented) and for DIR/go,
// then, without any token (as an agent dropping its own would), tries everything an escaped
// process would, recording each exit code, then touches DIR/done.
writeFileSync(
  PROBE,
  `d=$1
unset MAESTRO_TOKEN
trap '' HUP
touch $d/started
if [ -n "$2" ]; then while [ "$(cut -d' ' -f4 /proc/$$/stat)" != "$2" ]; do sleep 0.01; done; fi
while [ ! -e $d/go ]; do sleep 0.01; done
p=$$; n=0; while [ "$p" -gt 1 ]; do p=$(cut -d' ' -f4 /proc/$p/stat); n=$((n+1)); done; echo $n > $d/depth
${BIN} whoami --json > $d/who 2> $d/who.err; echo $? > $d/who.rc
${BIN} audit > /dev/null 2> $d/audit.err; echo $? > $d/audit.rc
${BIN} register evil > /dev/null 2> $d/register.err; echo $? > $d/register.rc
${BIN} kill victim 2> $d/kill.err; echo $? > $d/kill.rc
${BIN} type victim 'echo intruder-typed' --enter 2> $d/type.err; echo $? > $d/type.rc
${BIN} send victim "from-escapee:$d" > /dev/null 2> $d/send.err; echo $? > $d/send.rc
touch $d/done
`,
);
// chain.sh N DIR: N nested shells (none exec'd away), then the probe at the bottom.
writeFileSync(CHAIN, `if [ "$1" -gt 0 ]; then sh ${CHAIN} $(($1 - 1)) $2; :; else sh ${PROBE} $2; fi\n`);

let cases = 0;
function caseDir(): string {
  const d = join(h.home, `case${++cases}`);
  mkdirSync(d);
  return d;
}
const started = (d: string) => waitFor(() => existsSync(join(d, "started")));
async function finish(d: string): Promise<void> {
  writeFileSync(join(d, "go"), "");
  await waitFor(() => existsSync(join(d, "done")), 20_000);
}
const rc = (d: string, what: string) => Number(readFileSync(join(d, `${what}.rc`), "utf8"));
const err = (d: string, what: string) => readFileSync(join(d, `${what}.err`), "utf8");

/** Whoever the probe was, it was not the operator and it drove nobody else. */
async function expectContained(d: string, as: string | "refused"): Promise<void> {
  if (as === "refused") {
    expect(rc(d, "who"), err(d, "who")).toBe(6);
    expect(err(d, "who")).toMatch(/^maestro: refused: this process .*; a process started in a maestro session may act only as that session\n$/);
  } else {
    expect(rc(d, "who"), err(d, "who")).toBe(0);
    expect(JSON.parse(readFileSync(join(d, "who"), "utf8"))).toMatchObject({ name: as, kind: "session" });
  }
  for (const what of ["audit", "register", "kill", "type"]) expect(rc(d, what), `${what}: ${err(d, what)}`).toBe(6);
  // A session may message others (as itself); a refused process may not even do that.
  expect(rc(d, "send"), err(d, "send")).toBe(as === "refused" ? 6 : 0);
  // Nothing happened to the victim, and nothing sent claims to be from the operator.
  const [victim] = JSON.parse(await h.ok(["ls", "--json"])).filter((s: { name: string }) => s.name === "victim");
  expect(victim).toMatchObject({ state: "running" });
  expect(await h.ok(["peek", "victim"])).not.toContain("intruder-typed");
  expect((await h.run(["send", "evil", "x"])).code).toBe(3); // never registered
  const inbox = JSON.parse(await h.ok(["inbox", "victim", "--json"])) as { from: string; body: string }[];
  for (const m of inbox.filter((m) => m.body === `from-escapee:${d}`)) expect(m.from).toBe(as);
}

describe("escapes from a session's identity (Linux)", () => {
  test("a job left running after its session's program exits is still that session", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = caseDir();
    await h.ok(["new", "left", "--", "sh", "-c", `(sh ${PROBE} ${d}) & disown 2>/dev/null; while [ ! -e ${d}/started ]; do sleep 0.01; done; exit 0`]);
    await h.ok(["wait", "left", "--exit", "--timeout", "10s"]);
    await finish(d);
    await expectContained(d, "left");
  });

  test("the same job in a --restart always session, after the program restarted with a new pid", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = caseDir();
    const script = `if [ ! -e ${d}/first ]; then touch ${d}/first; (sh ${PROBE} ${d}) & while [ ! -e ${d}/started ]; do sleep 0.01; done; exit 0; fi; exec cat`;
    const firstPid = JSON.parse(await h.ok(["new", "rs", "--restart", "always", "--json", "--", "sh", "-c", script])).pid as number;
    await waitFor(async () => {
      const [s] = JSON.parse(await h.ok(["ls", "--json"])).filter((s: { name: string }) => s.name === "rs");
      return s.restarts >= 1 && s.state === "running" && s.pid !== firstPid;
    });
    await finish(d);
    await expectContained(d, "rs");
  });

  test("a process with more than 64 ancestors under setsid is still that session", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = caseDir();
    await h.ok(["new", "deep", "--", "sh", "-c", `setsid -w sh ${CHAIN} 70 ${d}; exec cat`]);
    await finish(d);
    expect(Number(readFileSync(join(d, "depth"), "utf8"))).toBeGreaterThan(70);
    await expectContained(d, "deep");
  });

  test("a double fork with setsid is re-parented to the daemon and refused (audited); the daemon reaps it", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = caseDir();
    const daemon = h.daemonPid()!;
    await h.ok(["new", "df", "--", "sh", "-c", `(nohup setsid sh ${PROBE} ${d} ${daemon} > /dev/null 2>&1 &); exec cat`]);
    await finish(d);
    await expectContained(d, "refused");
    expect(err(d, "who")).toMatch(/descends from a maestro session but left it/);
    const audit = JSON.parse(await h.ok(["audit", "--json"])) as { action: string; outcome: string; detail: string }[];
    expect(audit.some((e) => e.action === "auth" && e.outcome === "denied" && /left it/.test(e.detail ?? ""))).toBe(true);
    // The orphan and what it ran were the daemon's children once re-parented: none stays a zombie.
    await waitFor(() => zombieChildren(daemon).length === 0);
  });

  test("a job left behind by a removed session is refused, also once the name is reused", async () => {
    await h.ok(["new", "victim", "--", "cat"]);
    const d = caseDir();
    // Job control puts the job in its own process group, so rm's hang-up of the program's misses it.
    await h.ok(["new", "gone", "--", "sh", "-c", `set -m; (sh ${PROBE} ${d}) & while [ ! -e ${d}/started ]; do sleep 0.01; done; exec cat`]);
    await started(d);
    await h.ok(["rm", "--force", "gone"]);
    await h.ok(["new", "gone", "--", "cat"]);
    await finish(d);
    await expectContained(d, "refused");
    expect(err(d, "who")).toMatch(/comes from session gone, which was removed/);
  });

  test("sessions get no token; another identity's token read from /proc/<pid>/environ is refused inside a session", async () => {
    const agentToken = JSON.parse(await h.ok(["register", "agent7", "--json"])).token as string;
    // An agent outside every session, its token in its environment (as `register --shell` sets it up).
    const agent = Bun.spawn(["sleep", "60"], { env: { ...h.env, MAESTRO_TOKEN: agentToken } });
    try {
      await h.ok(["new", "victim", "--", "cat"]);
      const victimPid = JSON.parse(await h.ok(["ls", "--json"]))[0].pid as number;
      const d = caseDir();
      const script = [
        `tr '\\0' '\\n' < /proc/${victimPid}/environ | grep -c '^MAESTRO_TOKEN=' > ${d}/victim-tokens`,
        `echo "$MAESTRO_TOKEN" > ${d}/own-token`,
        `tok=$(tr '\\0' '\\n' < /proc/${agent.pid}/environ | sed -n 's/^MAESTRO_TOKEN=//p')`,
        `MAESTRO_TOKEN=$tok ${BIN} send victim stolen > /dev/null 2> ${d}/stolen.err; echo $? > ${d}/stolen.rc`,
        `MAESTRO_TOKEN=$tok ${BIN} whoami 2> ${d}/stolen-who.err; echo $? > ${d}/stolen-who.rc`,
        `touch ${d}/done`,
        "exec cat",
      ].join("; ");
      await h.ok(["new", "thief", "--", "sh", "-c", script]);
      await waitFor(() => existsSync(join(d, "done")));
      expect(readFileSync(join(d, "victim-tokens"), "utf8").trim()).toBe("0");
      expect(readFileSync(join(d, "own-token"), "utf8")).toBe("\n");
      expect(rc(d, "stolen"), err(d, "stolen")).toBe(6);
      expect(err(d, "stolen")).toBe("maestro: a process inside session thief may act only as thief\n");
      expect(rc(d, "stolen-who")).toBe(6);
      const inbox = JSON.parse(await h.ok(["inbox", "victim", "--json"])) as { body: string }[];
      expect(inbox.filter((m) => m.body === "stolen")).toEqual([]);
    } finally {
      agent.kill();
    }
  });
});

describe("environments", () => {
  test("a daemon an agent autostarted holds neither its token nor its API key; sessions get the caller's environment", async () => {
    const home = new TestHome();
    try {
      await home.start();
      const token = JSON.parse(await home.ok(["register", "agent", "--json"])).token as string;
      await home.ok(["daemon", "stop"]);
      // The agent's verb finds no daemon and starts one.
      await home.ok(["inbox"], { env: { MAESTRO_TOKEN: token, FAKE_API_KEY: "sk-secret-123", AGENT_ONLY: "1" } });
      const pid = home.daemonPid()!;
      const daemonEnv = environOf(pid);
      expect(daemonEnv.MAESTRO_TOKEN).toBeUndefined();
      expect(daemonEnv.FAKE_API_KEY).toBeUndefined();
      expect(daemonEnv.AGENT_ONLY).toBeUndefined();
      expect(daemonEnv.MAESTRO_HOME).toBe(home.home);

      // The operator creates a session: the program starts with the operator's environment.
      const out = join(home.home, "env.txt");
      await home.ok(["new", "e1", "--env", "EXTRA=x y", "--", "sh", "-c", `env > ${out}.tmp && mv ${out}.tmp ${out}; exec cat`], {
        env: { CALLER_VAR: "here", MAESTRO_SESSION: "fake" },
      });
      await waitFor(() => existsSync(out));
      const env = parseEnv(readFileSync(out, "utf8"));
      expect(env).toMatchObject({ CALLER_VAR: "here", EXTRA: "x y", MAESTRO_SESSION: "e1", MAESTRO_HOME: home.home, TERM: "xterm-256color" });
      expect(env.MAESTRO_SOCKET).toBe(home.socket);
      for (const k of ["MAESTRO_TOKEN", "FAKE_API_KEY", "AGENT_ONLY", "MAESTRO_DAEMON_BACKGROUND"]) expect(env[k], k).toBeUndefined();

      // A caller's own MAESTRO_TOKEN in the environment it sends is never passed on.
      const c = await Client.connect({ socket: home.socket });
      try {
        await c.welcome;
        const out2 = join(home.home, "env2.txt");
        await c.request("new", {
          name: "e2",
          command: ["sh", "-c", `env > ${out2}.tmp && mv ${out2}.tmp ${out2}; exec cat`],
          cwd: home.home,
          environ: [`PATH=${process.env.PATH}`, "MAESTRO_TOKEN=mst_secret", "CALLER_VAR=two"],
        });
        await waitFor(() => existsSync(out2));
        const env2 = parseEnv(readFileSync(out2, "utf8"));
        expect(env2.CALLER_VAR).toBe("two");
        expect(env2.MAESTRO_TOKEN).toBeUndefined();
        await expect(c.request("new", { name: "e3", command: ["cat"], environ: ["=nokey"] })).rejects.toMatchObject({ code: "usage" });
      } finally {
        c.close();
      }
    } finally {
      await home.cleanup();
    }
  });
});

function environOf(pid: number): Record<string, string> {
  return parseEnv(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").join("\n"));
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

function zombieChildren(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    let kids: string;
    try {
      kids = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8");
    } catch {
      continue;
    }
    for (const k of kids.split(" ").filter(Boolean)) {
      try {
        const stat = readFileSync(`/proc/${k}/stat`, "utf8");
        if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") out.push(Number(k));
      } catch {
        // gone
      }
    }
  }
  return out;
}
