/**
 * `read --save-attachments DIR`: a sender chooses the names, so each becomes one harmless path
 * component that fits a file system (≤ 255 bytes), and is created new — never through a link,
 * never over an existing file (`a.txt`, then `a (1).txt`, …). One file that cannot be saved is
 * reported and skipped; the rest of the batch is still saved.
 */
import { closeSync, constants, mkdirSync, openSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MaestroError } from "../protocol/errors.ts";

/** NAME_MAX on Linux and the BSDs, in bytes; room is kept for the ` (N)` of a clash. */
const NAME_MAX = 255;
const CLASH_ROOM = 8;
const MAX_CLASHES = 1000;

export function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EEXIST" || e.code === "ENOTDIR" ? "exists and is not a directory" : e.code === "EACCES" ? "permission denied" : e.message;
    throw new MaestroError("usage", `--save-attachments ${dir}: ${why}`);
  }
}

/** Writes `bytes` as a new file in `dir` named after `name`; returns its path. */
export function saveAttachment(dir: string, name: string, bytes: Uint8Array): string {
  const safe = safeName(name);
  const dot = safe.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ""];
  for (let i = 0; i < MAX_CLASHES; i++) {
    const path = join(dir, i === 0 ? safe : `${stem} (${i})${ext}`);
    let fd: number;
    try {
      // O_EXCL: a file, a directory or a link (dangling or not) already there is a clash, never followed.
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ELOOP") continue;
      throw new MaestroError("internal", `cannot save attachment ${JSON.stringify(name)} as ${path}: ${(err as Error).message}`);
    }
    try {
      for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
    } catch (err) {
      closeSync(fd);
      unlinkSync(path); // ours: we just created it
      throw new MaestroError("internal", `cannot save attachment ${JSON.stringify(name)} as ${path}: ${(err as Error).message}`);
    }
    closeSync(fd);
    return path;
  }
  throw new MaestroError("internal", `cannot save attachment ${JSON.stringify(name)}: ${MAX_CLASHES} files of that name are already in ${dir}`);
}

/** One path component: no separators or control characters, no leading dot, short enough in bytes. */
function safeName(name: string): string {
  const cleaned = name.replace(/[/\\\0-\x1f\x7f]/g, "_").replace(/^\.+/, "_");
  if (!cleaned) return "attachment";
  const dot = cleaned.lastIndexOf(".");
  let [stem, ext] = dot > 0 ? [cleaned.slice(0, dot), cleaned.slice(dot)] : [cleaned, ""];
  const budget = NAME_MAX - CLASH_ROOM;
  if (Buffer.byteLength(ext) > budget / 2) [stem, ext] = [cleaned, ""];
  return truncateBytes(stem, budget - Buffer.byteLength(ext)) + ext;
}

/** The longest prefix of whole code points that fits in `max` UTF-8 bytes. */
function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}
