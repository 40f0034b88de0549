/**
 * A plain POSIX ustar archive, enough for `maestro backup`/`restore`: regular files only, names
 * under 100 bytes, sizes past 8 GiB in the GNU base-256 form. Any `tar` can list and extract it;
 * ours is small enough to read in full, and Bun has no tar of its own.
 *
 * Both ends work through file descriptors in chunks, so a store of many gigabytes never sits in
 * memory whole.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";

const BLOCK = 512;
const CHUNK = 1024 * 1024;
const ZEROS = new Uint8Array(BLOCK * 2);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function header(name: string, size: number, mtimeS: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const nameBytes = encoder.encode(name);
  if (nameBytes.byteLength > 100) throw new Error(`tar: name too long: ${name}`);
  h.set(nameBytes, 0);
  const octal = (value: number, offset: number, width: number) => h.set(encoder.encode(value.toString(8).padStart(width - 1, "0") + "\0"), offset);
  octal(0o600, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  if (size < 8 ** 11) octal(size, 124, 12);
  else {
    // GNU base-256: the high bit of the first byte marks a big-endian binary number.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--, v >>= 8n) h[i] = Number(v & 0xffn);
  }
  octal(Math.max(0, Math.floor(mtimeS)), 136, 12);
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h[156] = 0x30; // '0': a regular file
  h.set(encoder.encode("ustar\0" + "00"), 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return h;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
}

/** Writes entries to an open descriptor; call end() once after the last. */
export class TarWriter {
  constructor(private readonly fd: number) {}

  addBytes(name: string, bytes: Uint8Array, mtimeS = Date.now() / 1000): void {
    writeAll(this.fd, header(name, bytes.byteLength, mtimeS));
    writeAll(this.fd, bytes);
    this.pad(bytes.byteLength);
  }

  /** Copies a file whose size is known (and must not change while it is copied). */
  addFile(name: string, path: string, size: number, mtimeS = Date.now() / 1000): void {
    writeAll(this.fd, header(name, size, mtimeS));
    const src = openSync(path, "r");
    try {
      const buf = new Uint8Array(CHUNK);
      let left = size;
      while (left > 0) {
        const n = readSync(src, buf, 0, Math.min(CHUNK, left), null);
        if (n === 0) throw new Error(`tar: ${path} shrank while it was archived`);
        writeAll(this.fd, buf.subarray(0, n));
        left -= n;
      }
    } finally {
      closeSync(src);
    }
    this.pad(size);
  }

  end(): void {
    writeAll(this.fd, ZEROS);
  }

  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest) writeAll(this.fd, ZEROS.subarray(0, BLOCK - rest));
  }
}

export interface TarEntry {
  name: string;
  size: number;
}

/** Thrown for anything that is not a whole, well-formed archive. */
export class TarError extends Error {}

export interface TarSink {
  write(chunk: Uint8Array): void;
  /** The entry's last byte has been written. */
  end(): void;
}

/**
 * Reads entries in order. For each, `onEntry` gets its name and size and returns a sink for its
 * bytes, or throws to stop. Throws TarError for a truncated or malformed archive.
 */
export function readTar(fd: number, onEntry: (e: TarEntry) => TarSink): void {
  const block = new Uint8Array(BLOCK);
  const buf = new Uint8Array(CHUNK);
  const readExact = (target: Uint8Array, n: number): void => {
    let got = 0;
    while (got < n) {
      const r = readSync(fd, target, got, n - got, null);
      if (r === 0) throw new TarError("the archive is truncated");
      got += r;
    }
  };
  for (;;) {
    readExact(block, BLOCK);
    if (block.every((b) => b === 0)) return; // end of archive
    const { name, size } = parseHeader(block);
    const sink = onEntry({ name, size });
    let left = size;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      readExact(buf, n);
      sink.write(buf.subarray(0, n));
      left -= n;
    }
    sink.end();
    const rest = size % BLOCK;
    if (rest) readExact(block, BLOCK - rest);
  }
}

function parseHeader(h: Uint8Array): TarEntry {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  const field = (off: number, len: number) => {
    const bytes = h.subarray(off, off + len);
    const end = bytes.indexOf(0);
    return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
  };
  const stored = Number.parseInt(field(148, 8).trim(), 8);
  if (stored !== sum) throw new TarError("the archive is damaged (a header's checksum does not match)");
  if (h[156] !== 0x30 && h[156] !== 0) throw new TarError(`the archive holds something other than a plain file (type ${String.fromCharCode(h[156]!)})`);
  let size: number;
  if ((h[124]! & 0x80) !== 0) {
    let v = BigInt(h[124]! & 0x7f);
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    size = Number(v);
  } else size = Number.parseInt(field(124, 12).trim() || "0", 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new TarError("the archive is damaged (a bad size field)");
  const prefix = field(345, 155);
  const name = (prefix ? `${prefix}/` : "") + field(0, 100);
  return { name, size };
}
