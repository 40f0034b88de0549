/** `name@host`: a name on another host (SPEC §12). A bare name, `@group` and `*` are local. */
export function splitAddress(expr: string): { name: string; host: string } | undefined {
  const at = expr.lastIndexOf("@");
  if (at <= 0) return undefined;
  return { name: expr.slice(0, at), host: expr.slice(at + 1) };
}
