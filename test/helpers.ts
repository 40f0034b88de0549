/**
 * Test harness: every test home is a fresh temporary MAESTRO_HOME with its own daemon, driven
 * through the real compiled binary over the real socket, and stopped afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameDecoder, FrameKind, type Frame } from "../src/protocol/frame.ts";
import { decodeJson, encodeJson } from "../src/protocol/messages.ts";
import { readPid } from "../src/protocol/lock.ts";
import { PROTOCOL_VERSION } from "../src/protocol/version.ts";

export const BIN = join(import.meta.dirname, "..", "dist", "maestro");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a test process sees: ours, minus any MAESTRO_* that could leak in. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAESTRO_")) env[k] = v;
  return { ...env, ...extra };
}

export class TestHome {
  readonly home: string;
  readonly env: Record<string, string>;

  constructor(opts: { config?: string; home?: string; env?: Record<string, string> } = {}) {
    this.home = opts.home ?? mkdtempSync(join(tmpdir(), "mt-"));
    this.env = cleanEnv({ MAESTRO_HOME: this.home, ...opts.env });
    if (opts.config) writeFileSync(join(this.home, "config.toml"), opts.config);
  }

  get socket(): string {
    return join(this.home, "maestro.sock");
  }

  get lockFile(): string {
    return join(this.home, "daemon.lock");
  }

  daemonPid(): number | undefined {
    return readPid(this.lockFile);
  }

  async run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<RunResult> {
    const proc = Bun.spawn([BIN, ...args], {
      env: { ...this.env, ...opts.env },
      stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  }

  /** Runs and insists on exit 0, returning stdout. */
  async ok(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`maestro ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async start(): Promise<number> {
    await this.ok(["daemon", "start"]);
    return this.daemonPid()!;
  }

  /** Stops the daemon (by request, then by force) and removes the home. */
  async cleanup(): Promise<void> {
    await this.run(["daemon", "stop", "--force"], { env: { MAESTRO_NO_AUTOSTART: "1" } });
    const pid = this.daemonPid();
    if (pid && alive(pid)) {
      process.kill(pid, "SIGKILL");
      await waitFor(() => !alive(pid));
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** True while the process runs; a zombie awaiting its reaper counts as gone. */
export function alive(pid: number): boolean {
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Waits for a condition that some process will make true; polls because no event announces it. */
/** Whether something takes TCP connections on 127.0.0.1:`port` now (a server started, say). */
export async function listening(port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

/** A raw protocol peer for feeding the daemon bytes no well-behaved client would send. */
export class RawPeer {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private waiters: (() => void)[] = [];
  private sock!: Awaited<ReturnType<typeof Bun.connect>>;

  static async connect(socket: string): Promise<RawPeer> {
    const peer = new RawPeer();
    peer.sock = await Bun.connect({
      unix: socket,
      socket: {
        data: (_s, chunk) => {
          peer.frames.push(...peer.decoder.push(chunk));
          peer.wake();
        },
        close: () => {
          peer.closed = true;
          peer.wake();
        },
        error: () => {
          peer.closed = true;
          peer.wake();
        },
      },
    });
    return peer;
  }

  write(bytes: Uint8Array | string): void {
    this.sock.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  }

  hello(protocol = PROTOCOL_VERSION, token?: string): void {
    this.write(encodeJson(FrameKind.HELLO, { protocol, client: "raw-test", ...(token === undefined ? {} : { token }) }));
  }

  request(id: number, type: string, args: Record<string, unknown> = {}): void {
    this.write(encodeJson(FrameKind.REQUEST, { id, type, args }));
  }

  end(): void {
    this.sock.end();
  }

  /** Resolves with the next frame of `kind`, in arrival order. */
  async next(kind: FrameKind, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.kind === kind);
      if (i >= 0) {
        const [f] = this.frames.splice(i, 1);
        return decodeJson(f as Frame & { kind: typeof FrameKind.HELLO }) as unknown as Record<string, unknown>;
      }
      if (this.closed) throw new Error(`connection closed before a frame of kind ${kind} arrived`);
      await this.wait(deadline);
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) await this.wait(deadline);
  }

  private wait(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new Error("timed out waiting on the daemon"));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("timed out waiting on the daemon")), left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Resident memory of a process, from /proc. */
export function rssBytes(pid: number): number {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/**
 * A stand-in daemon on `socket`: it answers every hello with a welcome of `version` (and `pid`),
 * and hands each later request to `onRequest` (default: ignore it). Stop it with `.stop(true)`.
 */
export function standInDaemon(socket: string, welcome: { version: string; pid: number; protocol?: number }, onRequest?: (end: () => void) => void) {
  return Bun.listen<{ decoder: FrameDecoder }>({
    unix: socket,
    socket: {
      open(s) {
        s.data = { decoder: new FrameDecoder() };
      },
      data(s, chunk) {
        for (const f of s.data.decoder.push(chunk)) {
          if (f.kind === FrameKind.HELLO) {
            s.write(encodeJson(FrameKind.WELCOME, { protocol: welcome.protocol ?? PROTOCOL_VERSION, version: welcome.version, pid: welcome.pid, features: [], identity: { name: "operator", kind: "operator" } }));
          } else if (f.kind === FrameKind.REQUEST) onRequest?.(() => s.end());
        }
      },
    },
  });
}

/** A free loopback port: bind to 0, read it, let it go. */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}
