// Shell completion as kubectl does it: the shell script only forwards the words typed so far to the
// hidden `switchyard __complete WORDS...`, which answers with candidates, one per line (spf13/cobra
// completions.go, ShellCompRequestCmd "__complete"). Commands and flags come from the commander tree;
// proxy and resource names from the running mesh.
import type { Command, Option } from 'commander';
import { KINDS, type KindInfo } from '../config/kinds.js';
import { workloadNames } from '../workloads/index.js';
import { AdminClient, defaultServer } from './client.js';
import { collectionPath, requireKind } from './commands/kubectl-args.js';

/** The hidden command the completion scripts call. */
export const COMPLETE_COMMAND = '__complete';

/** Where names of a running mesh come from (the admin API; an unreachable mesh gives none). */
export interface NameSource {
  proxies(): Promise<string[]>;
  resources(kind: KindInfo, namespace: string): Promise<string[]>;
}

/** Commands whose first argument is a proxy name. */
const PROXY_ARG = new Set(['logs', 'envoy-stats', 'proxy-config']);
/** Commands whose arguments are `KIND NAME...`. */
const KIND_ARG = new Set(['get', 'delete', 'patch']);

const visible = (cmd: Command): Command[] =>
  cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);

const findOption = (cmd: Command, word: string): Option | undefined =>
  cmd.options.find((o) => o.long === word || o.short === word);

/** The candidates for the last word of `words` (the words after `switchyard`; the last may be ''). */
export async function completeWords(
  program: Command,
  words: readonly string[],
  names: NameSource,
): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  let cmd = program;
  const path: string[] = [];
  const args: string[] = [];
  const values = new Map<string, string>();
  let pendingOption: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (pendingOption) {
      values.set(pendingOption.attributeName(), word);
      pendingOption = undefined;
    } else if (word.startsWith('-')) {
      const [flag] = word.split('=');
      const opt = findOption(cmd, flag ?? word);
      if (opt && (opt.required || opt.optional) && !word.includes('=')) pendingOption = opt;
    } else {
      const sub = visible(cmd).find((c) => c.name() === word || c.aliases().includes(word));
      if (sub && args.length === 0) {
        cmd = sub;
        path.push(sub.name());
      } else args.push(word);
    }
  }
  const matching = (all: readonly string[]): string[] =>
    [...new Set(all)].filter((c) => c.startsWith(current)).sort();
  if (pendingOption) {
    if (pendingOption.long === '--demo') return matching(['bookinfo']);
    if (pendingOption.long === '--output') return matching(['yaml', 'json', 'wide', 'name']);
    return []; // a free value (URL, file, number): the shell's default completion
  }
  if (current.startsWith('-'))
    return matching(cmd.options.flatMap((o) => [o.long, o.short].filter((f) => f !== undefined)));
  const subs = visible(cmd);
  if (subs.length > 0 && args.length === 0) return matching(subs.map((c) => c.name()));
  const top = path[0] ?? '';
  const namespace = values.get('namespace') ?? 'default';
  if (PROXY_ARG.has(top) && args.length === 0) return matching(await names.proxies());
  if (top === 'workload' && args.length === 0) return matching(workloadNames());
  if (KIND_ARG.has(top)) {
    if (args.length === 0)
      return matching([
        ...(top === 'get' ? ['proxies'] : []),
        ...KINDS.filter((k) => k.family !== 'tolerated').map((k) => k.names[1] ?? k.names[0] ?? ''),
      ]);
    const kindArg = args[0] ?? '';
    if (top === 'get' && ['proxies', 'proxy'].includes(kindArg))
      return matching(await names.proxies());
    if (top === 'patch' && args.length > 1) return [];
    let kind: KindInfo;
    try {
      kind = requireKind(kindArg);
    } catch {
      return [];
    }
    return matching(await names.resources(kind, namespace));
  }
  return [];
}

/** Names from the admin API at `server`; nothing when no mesh answers (a TAB must never hang or fail). */
export function meshNames(server: string): NameSource {
  const client = new AdminClient({ server });
  const quietly = async (f: () => Promise<string[]>): Promise<string[]> => {
    try {
      return await f();
    } catch {
      return [];
    }
  };
  return {
    proxies: () =>
      quietly(async () => {
        const body = (await client.request('GET', '/proxies')) as {
          items?: { name: string; workload?: string }[];
        };
        return (body.items ?? []).flatMap((p) => [p.name, ...(p.workload ? [p.workload] : [])]);
      }),
    resources: (kind, namespace) =>
      quietly(async () => {
        const list = (await client.request('GET', collectionPath(kind, namespace))) as {
          items?: { metadata?: { name?: string } }[];
        };
        return (list.items ?? []).flatMap((i) => (i.metadata?.name ? [i.metadata.name] : []));
      }),
  };
}

/** `switchyard __complete WORDS...`: prints the candidates, one per line. */
export async function runComplete(program: Command, words: readonly string[]): Promise<void> {
  const i = words.indexOf('--server');
  const server = (i >= 0 ? words[i + 1] : undefined) ?? defaultServer();
  const candidates = await completeWords(program, words, meshNames(server));
  process.stdout.write(candidates.map((c) => c + '\n').join(''));
}

/** The scripts `switchyard completion bash|zsh|fish` prints; each calls `switchyard __complete`. */
export const COMPLETION_SCRIPTS: Readonly<Record<string, string>> = {
  bash: `# bash completion for switchyard. Load it with:  source <(switchyard completion bash)
_switchyard() {
  local IFS=$'\\n'
  COMPREPLY=($(switchyard ${COMPLETE_COMMAND} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _switchyard switchyard
`,
  zsh: `#compdef switchyard
# zsh completion for switchyard. Load it with:  source <(switchyard completion zsh)
_switchyard() {
  local -a candidates
  candidates=("\${(@f)$(switchyard ${COMPLETE_COMMAND} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
if (( \${+functions[compdef]} )); then compdef _switchyard switchyard; fi
`,
  fish: `# fish completion for switchyard. Load it with:  switchyard completion fish | source
function __switchyard_complete
    set -l tokens (commandline -opc) (commandline -ct)
    switchyard ${COMPLETE_COMMAND} $tokens[2..-1] 2>/dev/null
end
complete -c switchyard -f -a '(__switchyard_complete)'
`,
};
