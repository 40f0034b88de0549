/**
 * What a backup archive holds, written by the daemon (`backup`) and checked by `restore` before it
 * writes anything. The manifest is the archive's first entry; every other entry is listed in it
 * with its size and SHA-256, and only these names are ever accepted (no path leaves the home).
 */
export const MANIFEST_NAME = "manifest.json";
export const MANIFEST_FORMAT = 1;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: number;
  maestro_version: string;
  /** The store's newest applied migration. */
  schema_version: number;
  created_at: string;
  home: string;
  files: ManifestFile[];
}

const BLOB = /^blobs\/[0-9a-f]{64}$/;

/** A name an archive entry may have, besides the manifest. */
export function allowedEntry(path: string): boolean {
  return path === "maestro.db" || path === "config.toml" || BLOB.test(path);
}

/** The manifest's shape, or a sentence saying what is wrong with it. */
export function parseManifest(text: string): Manifest | string {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return "its manifest is not JSON";
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== "object" || o === null) return "its manifest is not an object";
  if (o.format !== MANIFEST_FORMAT) return `its manifest has format ${String(o.format)}, this maestro reads format ${MANIFEST_FORMAT}`;
  if (typeof o.maestro_version !== "string" || !Number.isInteger(o.schema_version) || !Array.isArray(o.files)) return "its manifest lacks versions or files";
  const seen = new Set<string>();
  for (const f of o.files as unknown[]) {
    const e = f as Partial<ManifestFile>;
    if (typeof e?.path !== "string" || !allowedEntry(e.path) || seen.has(e.path)) return `its manifest lists an unexpected file ${JSON.stringify(e?.path)}`;
    if (!Number.isSafeInteger(e.size) || (e.size as number) < 0 || typeof e.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      return `its manifest's entry for ${e.path} lacks a size or sha256`;
    }
    seen.add(e.path);
  }
  if (!seen.has("maestro.db")) return "its manifest lists no maestro.db";
  return o as Manifest;
}
