/**
 * One daemon per home: an exclusive flock(2) on `daemon.lock`, held for the daemon's life. The
 * kernel drops it when the process dies, even by SIGKILL, so a crash never leaves a stale lock —
 * unlike a pid file, which cannot tell a dead daemon from a reused pid.
 */
import { closeSync, openSync, readFileSync, writeFileSync, ftruncateSync } from "node:fs";
import { dlopen, FFIType } from "bun:ffi";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

let libc: { symbols: { flock(fd: number, op: number): number } } | undefined;

function flock(fd: number, op: number): number {
  libc ??= dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  });
  return libc.symbols.flock(fd, op);
}

export interface Lock {
  release(): void;
}

/** Takes the lock and writes our pid into it, or returns the holder's pid when it is taken. */
export function acquireLock(path: string): Lock | { heldBy: number | undefined } {
  const fd = openSync(path, "a+", 0o600);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return { heldBy: readPid(path) };
  }
  ftruncateSync(fd, 0);
  writeFileSync(fd, `${process.pid}\n`);
  return {
    release() {
      flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

/** True when some process holds the lock right now (a daemon running or starting). */
export function isLocked(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    if (flock(fd, LOCK_EX | LOCK_NB) !== 0) return true;
    flock(fd, LOCK_UN);
    return false;
  } finally {
    closeSync(fd);
  }
}

export function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
