/**
 * Shell completion scripts, generated from the verb table itself so they never drift from the
 * flags the verbs really take.
 */
import type { ArgsDef } from "citty";
import type { Verb } from "./verb.ts";

interface Spec {
  name: string;
  description: string;
  flags: { flag: string; description: string; takesValue: boolean; values?: string[] }[];
}

export function specOf(verb: Verb): Spec {
  const flags: Spec["flags"] = [];
  for (const [name, def] of Object.entries(verb.args as ArgsDef)) {
    if (def.type === "positional") continue;
    flags.push({
      flag: name.length === 1 ? `-${name}` : `--${name}`,
      description: def.description ?? "",
      takesValue: def.type !== "boolean",
      ...(def.type === "enum" && def.options ? { values: def.options } : {}),
    });
  }
  flags.push({ flag: "--help", description: "Usage and examples", takesValue: false });
  return { name: verb.meta.name, description: verb.meta.description.split(/[.;(]/)[0]!.trim(), flags };
}

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function bashScript(specs: Spec[]): string {
  const cases = specs
    .map((s) => {
      const values = s.flags
        .filter((f) => f.values)
        .map((f) => `      ${f.flag}) COMPREPLY=( $(compgen -W ${sq(f.values!.join(" "))} -- "$cur") ); return ;;`)
        .join("\n");
      return `    ${s.name})\n      opts=${sq(s.flags.map((f) => f.flag).join(" "))}\n      case "$prev" in\n${values}\n      esac ;;`;
    })
    .join("\n");
  return `# maestro completion for bash: eval "$(maestro completion bash)"
_maestro() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${sq(specs.map((s) => s.name).join(" "))} -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); fi
}
complete -o default -F _maestro maestro
`;
}

const zq = (text: string) => text.replace(/[\[\]:'\\]/g, " ");

export function zshScript(specs: Spec[]): string {
  const verbs = specs.map((s) => `    '${s.name}:${zq(s.description)}'`).join("\n");
  const cases = specs
    .map((s) => {
      const args = s.flags
        .map((f) => `'${f.flag}[${zq(f.description)}]${f.takesValue ? `:${f.flag.replace(/^-+/, "")}:${f.values ? `(${f.values.join(" ")})` : "_files"}` : ""}'`)
        .join(" ");
      return `    ${s.name}) _arguments -s ${args} '*:argument:_files' ;;`;
    })
    .join("\n");
  return `#compdef maestro
# maestro completion for zsh: maestro completion zsh > "\${fpath[1]}/_maestro"
_maestro() {
  local -a verbs
  verbs=(
${verbs}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' verbs
    return
  fi
  shift words
  (( CURRENT-- ))
  case $words[1] in
${cases}
  esac
}
compdef _maestro maestro
`;
}

export function fishScript(specs: Spec[]): string {
  const lines = ["# maestro completion for fish: maestro completion fish > ~/.config/fish/completions/maestro.fish", "complete -c maestro -f"];
  for (const s of specs) {
    lines.push(`complete -c maestro -n __fish_use_subcommand -a ${s.name} -d ${sq(s.description)}`);
    for (const f of s.flags) {
      const opt = f.flag.startsWith("--") ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
      const value = f.values ? ` -x -a ${sq(f.values.join(" "))}` : f.takesValue ? " -r" : "";
      lines.push(`complete -c maestro -n '__fish_seen_subcommand_from ${s.name}' ${opt}${value} -d ${sq(f.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
