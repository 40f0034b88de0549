/**
 * Who may message whom (SPEC §8): ordered allow/deny rules of `from` and `to` globs from
 * config.toml; the first rule that matches decides, and with none the send is allowed.
 */
import { MaestroError } from "../protocol/errors.ts";

export interface PolicyRule {
  action: "allow" | "deny";
  from: string;
  to: string;
}

export class Policy {
  private readonly rules: { rule: PolicyRule; from: Bun.Glob; to: Bun.Glob }[];

  constructor(rules: PolicyRule[]) {
    this.rules = rules.map((rule) => ({ rule, from: new Bun.Glob(rule.from), to: new Bun.Glob(rule.to) }));
  }

  /** Throws `forbidden` naming the rule when it refuses sender → recipient. */
  check(sender: string, recipient: string): void {
    const i = this.rules.findIndex((r) => r.from.match(sender) && r.to.match(recipient));
    if (i < 0 || this.rules[i]!.rule.action === "allow") return;
    const { from, to } = this.rules[i]!.rule;
    throw new MaestroError("forbidden", `policy rule ${i + 1} (deny from "${from}" to "${to}") refuses ${sender} → ${recipient}`, {
      rule: i + 1,
    });
  }
}

/** Checks the `[[policy]]` entries of config.toml; throws naming the bad entry. */
export function parsePolicy(raw: unknown, file: string): PolicyRule[] {
  if (!Array.isArray(raw)) throw new MaestroError("usage", `config ${file}: "policy" must be an array of tables ([[policy]])`);
  return raw.map((r: unknown, i) => {
    const { action, from, to, ...rest } = (r ?? {}) as Record<string, unknown>;
    const where = `config ${file}: policy rule ${i + 1}`;
    if (Object.keys(rest).length > 0) throw new MaestroError("usage", `${where}: unknown key "${Object.keys(rest)[0]}"`);
    if (action !== "allow" && action !== "deny") throw new MaestroError("usage", `${where}: action must be "allow" or "deny"`);
    for (const [k, v] of [["from", from], ["to", to]] as const) {
      if (typeof v !== "string" || v.length === 0) throw new MaestroError("usage", `${where}: "${k}" must be a glob such as "worker-*"`);
    }
    return { action, from: from as string, to: to as string };
  });
}
