/**
 * Who is connecting, from the kernel: SO_PEERCRED on Linux, getpeereid() on the BSDs and macOS,
 * through bun:ffi. The daemon refuses any uid but its own, so loosening the socket's mode (or its
 * directory's) never lets another local user in.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

export interface PeerCredentials {
  uid: number;
  gid: number;
  /** Linux only. */
  pid?: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

type Lookup = (fd: number) => PeerCredentials | undefined;

let lookup: Lookup | null | undefined;

function load(): Lookup | null {
  try {
    if (process.platform === "linux") {
      const libc = dlopen("libc.so.6", {
        getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
      });
      return (fd) => {
        const cred = new Int32Array(3); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        const len = new Uint32Array([12]);
        if (libc.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(cred), ptr(len)) !== 0) return undefined;
        return { pid: cred[0]!, uid: cred[1]! >>> 0, gid: cred[2]! >>> 0 };
      };
    }
    if (process.platform === "darwin" || process.platform === "freebsd") {
      const libc = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.7", {
        getpeereid: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
      });
      return (fd) => {
        const uid = new Uint32Array(1);
        const gid = new Uint32Array(1);
        if (libc.symbols.getpeereid(fd, ptr(uid), ptr(gid)) !== 0) return undefined;
        return { uid: uid[0]!, gid: gid[0]! };
      };
    }
  } catch {
    // no FFI or no libc by that name: fall through
  }
  return null;
}

/**
 * The peer's credentials; undefined when the kernel would not say. `supported` is false where
 * this platform offers no way to ask (then the 0700 directory is the only guard; see
 * docs/security.md).
 */
export function peerCredentials(fd: number): PeerCredentials | undefined {
  if (lookup === undefined) lookup = load();
  return lookup?.(fd);
}

export function peerCheckSupported(): boolean {
  if (lookup === undefined) lookup = load();
  return lookup !== null;
}

/** The kernel names the peer's pid (Linux), which is what ties a connection to a session. */
export function peerPidSupported(): boolean {
  return process.platform === "linux" && peerCheckSupported();
}
