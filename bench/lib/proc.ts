/**
 * Running processes: capturing output with a deadline, timing a whole process, polling for a
 * condition. Every wait here is bounded, so a wedged peer fails the row instead of hanging the run.
 */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";

export type Env = Record<string, string>;

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Our environment without MAESTRO_* (a developer's own daemon must never leak into a bench). */
export function cleanEnv(extra: Env = {}): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAESTRO_")) env[k] = v;
  return { ...env, ...extra };
}

/** Short-lived children in flight, so an interrupted bench can end them (they are not in any scope). */
const running = new Set<Subprocess>();

function track<T extends Subprocess>(proc: T): T {
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

/** SIGKILLs every capture()/timeProcess() child still running: for an interrupted run only. */
export function killRunning(): void {
  for (const proc of running) proc.kill("SIGKILL");
}

/** Runs to completion, killing the process if it outlives `timeoutMs`. */
export async function capture(argv: string[], opts: { env?: Env; timeoutMs?: number } = {}): Promise<Captured> {
  const proc = track(Bun.spawn(argv, { env: opts.env ?? cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" }));
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Like capture(), but a non-zero exit is an error naming the command and its stderr. */
export async function mustRun(argv: string[], opts: { env?: Env; timeoutMs?: number } = {}): Promise<string> {
  const r = await capture(argv, opts);
  if (r.code !== 0) throw new Error(`${showArgv(argv)} exited ${r.code}: ${firstLine(r.stderr || r.stdout)}`);
  return r.stdout;
}

/**
 * Milliseconds from spawn to exit of one whole process, output discarded: what a shell script
 * calling the command pays. A failed run is an error, never a sample.
 */
export async function timeProcess(argv: string[], env: Env, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  const proc = track(Bun.spawn(argv, { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const code = await proc.exited;
  const ms = performance.now() - t0;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${showArgv(argv)} exited ${code} while being timed`);
  return ms;
}

/** Polls `check` until it is true; throws after `timeoutMs` naming what never happened. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Running, and not a zombie (an exited process nobody has reaped still answers kill -0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces or parentheses, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: kill -0 is all we have
  }
}

/** SIGTERM, a grace period, then SIGKILL: for processes we started ourselves, by pid. */
export async function terminate(pid: number, graceMs = 3_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  try {
    await waitFor(`pid ${pid} to exit`, () => !isAlive(pid), graceMs);
  } catch {
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
}

/** A command line as a person would type it, for error messages ('' and spaces quoted). */
export function showArgv(argv: string[]): string {
  return argv.map((a) => (a === "" || /[\s"']/.test(a) ? JSON.stringify(a) : a)).join(" ");
}

export function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
