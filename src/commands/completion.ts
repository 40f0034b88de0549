import { bashScript, fishScript, specOf, zshScript } from "../cli/completion.ts";
import { out } from "../cli/io.ts";
import { VERBS } from "../cli/run.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "completion",
    description: "Print a shell completion script for bash, zsh or fish (verbs, their flags, and flag values)",
    examples: [
      "maestro completion bash > ~/.local/share/bash-completion/completions/maestro",
      'maestro completion zsh > "${fpath[1]}/_maestro"',
      "maestro completion fish > ~/.config/fish/completions/maestro.fish",
    ],
  },
  args: {
    shell: { type: "positional", required: true, description: "bash | zsh | fish" },
  },
  async run({ args }) {
    const render = { bash: bashScript, zsh: zshScript, fish: fishScript }[args.shell as "bash" | "zsh" | "fish"];
    if (!render) throw new MaestroError("usage", `completion: unknown shell "${args.shell}"; use bash, zsh or fish`);
    const specs = await Promise.all(Object.values(VERBS).map(async (load) => specOf(await load())));
    out(render(specs));
  },
});
