/**
 * A full disk surfaces as SQLITE_FULL from the store or ENOSPC/EDQUOT from the blob store. The
 * transaction was rolled back (or the blob never referenced), so the honest message is: nothing
 * was stored, free space and retry. Exit 1, like any other failure of the machine.
 */
import { MaestroError } from "../protocol/errors.ts";

export function storageError(err: unknown, home: string): MaestroError | undefined {
  const e = err as { code?: string; errno?: number; message?: string };
  const full =
    e?.code === "SQLITE_FULL" || e?.code === "ENOSPC" || e?.code === "EDQUOT" || /database or disk is full|no space left on device/i.test(e?.message ?? "");
  if (!full) return undefined;
  return new MaestroError("internal", `the disk holding ${home} is full: free some space and retry; nothing was stored`);
}
