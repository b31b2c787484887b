// `switchyard analyze`: istioctl analyze --use-kube=false over files, with istioctl's flags, output
// formats, stderr summary and exit codes (istio/istio istioctl/pkg/analyze/analyze.go).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  createConfigSnapshot,
  decodableResources,
  defaultMeshConfig,
  loadResources,
  meshConfigFromResources,
  parseMeshConfig,
  parseResources,
  resourceKey,
  type Level,
  type MeshConfig,
  type Resource,
} from '../../config/index.js';
import {
  ALL_ANALYZERS,
  CONFIG_ANALYSIS_URL,
  SUPPRESS_ANNOTATION,
  analyze,
  atLeast,
  formatJson,
  formatLogLine,
  formatYaml,
  isKnownCode,
  isSuppressed,
  parseLevel,
  parseSuppression,
  sortAndDedupe,
  withDefaultResources,
  type AnalysisMessage,
  type Suppression,
} from '../../analyze/index.js';
import { colorDefault } from '../color.js';
import { ConnectionError, defaultServer, fetchMesh, tokenHeader } from '../client.js';
import { EXIT } from '../exit-codes.js';

/** Namespaces the loader drops (istio/istio pkg/config/analysis/local: ignored by default). */
const IGNORED_NAMESPACES = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);

interface AnalyzeFlags {
  filename: string[];
  recursive: boolean;
  namespace: string;
  allNamespaces: boolean;
  output: string;
  failureThreshold: string;
  outputThreshold: string;
  suppress: string[];
  listAnalyzers: boolean;
  analyzer: string[];
  meshConfigFile?: string;
  color?: boolean;
  useKube?: string;
  /** A running Switchyard mesh's admin API: analyze what it holds (GET <server>/config). */
  server?: string;
}

export interface AnalyzeIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin?: () => string;
  now?: Date;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('analyze Istio configuration and print validation messages (as istioctl analyze)')
    .argument('[files...]', 'files or directories to analyze (- for stdin)')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect, [])
    .option('-R, --recursive', 'process directory arguments recursively', false)
    .option(
      '-n, --namespace <ns>',
      'namespace for objects without one, and the namespace analyzed',
      'default',
    )
    .option('-A, --all-namespaces', 'analyze all namespaces', false)
    .option('-o, --output <format>', 'output format: one of [log json yaml]', 'log')
    .option(
      '--failure-threshold <level>',
      'the severity level of analysis at which to set a non-zero exit code. Valid values: [Info Warning Error]',
      'Error',
    )
    .option(
      '--output-threshold <level>',
      'the severity level of analysis at which to display messages. Valid values: [Info Warning Error]',
      'Info',
    )
    .option(
      '-S, --suppress <code=resource>',
      "suppress reporting a message code on a specific resource, e.g. 'IST0102=DestinationRule primary-dr.default' (repeatable, '*' allowed)",
      collect,
      [],
    )
    .option(
      '-L, --list-analyzers',
      'list the analyzers available to run; suppresses normal execution',
      false,
    )
    .option(
      '--analyzer <name>',
      'run only this analyzer (repeatable; names as -L lists them)',
      collect,
      [],
    )
    .option('--meshConfigFile <file>', 'overrides the mesh config values to use for analysis')
    .option(
      '--color [bool]',
      "colorize the log output; default true on a terminal unless TERM is 'dumb' or NO_COLOR is set (FORCE_COLOR forces it; --color=false to disable)",
      (v: string) => v !== 'false',
    )
    .option(
      '-k, --use-kube <bool>',
      'accepted for istioctl compatibility; Switchyard analyzes files only',
    )
    .option(
      '--server <url>',
      'analyze the config a running Switchyard mesh holds (its admin API, e.g. http://127.0.0.1:15000), as istioctl analyzes a live cluster; files are applied on top',
    )
    .action(async (files: string[], opts: AnalyzeFlags) => {
      if (opts.color === undefined) opts.color = colorDefault(process.stdout);
      process.exitCode = await runAnalyzeCommand(files, opts, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
    });
}

/** Like runAnalyze, first fetching the running mesh's resources when --server is given. */
export async function runAnalyzeCommand(
  files: readonly string[],
  opts: AnalyzeFlags,
  io: AnalyzeIo,
): Promise<number> {
  // With no files, istioctl analyzes the live cluster: here, the running mesh at the default server.
  if (!opts.server && files.length === 0 && opts.filename.length === 0 && !opts.listAnalyzers)
    opts.server = defaultServer();
  if (!opts.server) return runAnalyze(files, opts, io);
  let live: Resource[];
  try {
    live = await fetchServerResources(opts.server, opts.namespace);
  } catch (err) {
    io.err(
      err instanceof ConnectionError
        ? `error: ${err.message}\n`
        : `Error: cannot read config from ${opts.server}: ${(err as Error).message}\n`,
    );
    return EXIT.failure;
  }
  return runAnalyze(files, opts, io, live);
}

/** GET <server>/config: a JSON list of Kubernetes-style objects (or `{items: [...]}`). */
export async function fetchServerResources(
  server: string,
  defaultNamespace: string,
): Promise<Resource[]> {
  const base = server.replace(/\/+$/, '');
  const url = `${base}/config`;
  // The dump holds Secrets' data, so it needs the token (read as every command reads it).
  const res = await fetchMesh(server, url, {
    headers: { accept: 'application/json', ...tokenHeader() },
  });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = (await res.json()) as unknown;
  const items = Array.isArray(body) ? body : ((body as { items?: unknown[] })?.items ?? []);
  // The mesh's running workloads and gateway Services, as a cluster would list them (absent: none).
  const runtime = await fetch(`${base}/pods`, { headers: { accept: 'application/json' } }).catch(
    () => undefined,
  );
  if (runtime?.ok) {
    const pods = (await runtime.json()) as { items?: unknown[] };
    items.push(...(pods.items ?? []));
  }
  const parsed = parseResources(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }), url, {
    defaultNamespace,
  });
  if (parsed.diagnostics.length > 0)
    throw new Error(parsed.diagnostics[0]?.message ?? 'unreadable config');
  // Live objects have no file position: istioctl prints cluster resources without one.
  return parsed.resources.map((r) => {
    const { source: _source, ...rest } = r;
    return rest;
  });
}

/** The whole command, with its I/O injected; returns the exit code. */
export function runAnalyze(
  files: readonly string[],
  opts: AnalyzeFlags,
  io: AnalyzeIo,
  /** Resources of a running mesh (--server); the default ingress resources are then not added. */
  live?: readonly Resource[],
): number {
  const format = opts.output.toLowerCase();
  if (!['log', 'json', 'yaml'].includes(format)) {
    io.err(`Error: ${format} not a valid option for format. See switchyard analyze --help\n`);
    return EXIT.usage;
  }
  if (opts.listAnalyzers) {
    const sorted = [...ALL_ANALYZERS].sort((a, b) => (a.name < b.name ? -1 : 1));
    io.out(sorted.map((a) => `* ${a.name}:\n    ${a.description}\n`).join(''));
    return EXIT.ok;
  }
  const failureThreshold = parseLevel(opts.failureThreshold);
  const outputThreshold = parseLevel(opts.outputThreshold);
  if (!failureThreshold || !outputThreshold) {
    io.err(`Error: invalid level; valid values: [Info Warning Error]\n`);
    return EXIT.usage;
  }
  const suppressions: Suppression[] = [];
  for (const s of opts.suppress) {
    const parsed = parseSuppression(s);
    if (!parsed) {
      io.err(`Error: ${s} is not a valid suppression value. See switchyard analyze --help\n`);
      return EXIT.usage;
    }
    if (!isKnownCode(parsed.code))
      io.err(
        `Warning: Supplied message code '${parsed.code}' is an unknown message code and will not have any effect.\n`,
      );
    suppressions.push(parsed);
  }
  const unknown = opts.analyzer.filter((n) => !ALL_ANALYZERS.some((a) => a.name === n));
  if (unknown.length > 0) {
    io.err(`Error: unknown analyzer(s) ${unknown.join(', ')}; see switchyard analyze -L\n`);
    return EXIT.usage;
  }
  let meshFromFile: MeshConfig | undefined;
  if (opts.meshConfigFile) {
    try {
      meshFromFile = parseMeshConfig(readFileSync(opts.meshConfigFile, 'utf8'));
    } catch (err) {
      io.err(`Error: cannot read mesh config ${opts.meshConfigFile}: ${(err as Error).message}\n`);
      return EXIT.dataError;
    }
  }

  const paths = [...files, ...opts.filename];
  // A missing path is an error before analysis, exit 1 (istioctl gatherFiles: os.Stat error).
  for (const p of paths) {
    if (p !== '-' && !existsSync(p)) {
      io.err(`Error: stat ${p}: no such file or directory\n`);
      return EXIT.failure;
    }
  }
  const selectedNamespace = opts.allNamespaces ? '' : opts.namespace;
  const loaded = loadResources(paths, {
    recursive: opts.recursive,
    defaultNamespace: opts.namespace,
    ...(io.readStdin ? { readStdin: io.readStdin } : {}),
  });
  // An object that does not decode is reported and skipped, never analyzed (decode.ts).
  const decoded = decodableResources(loaded.resources);
  const parseErrorFiles = new Set<string>();
  for (const d of [...loaded.diagnostics, ...decoded.diagnostics].filter(
    (x) => x.level === 'Error',
  )) {
    parseErrorFiles.add(d.position?.file ?? d.message);
    const where = d.position ? `${d.position.file}:${d.position.line}: ` : '';
    io.err(`Error(s) adding files: ${where}${d.message}\n`);
  }
  // Files are applied on top of the live config: a file object replaces the live one of the same name.
  const fileKeys = new Set(decoded.resources.map((r) => resourceKey(r)));
  const merged = [
    ...(live ?? []).filter((r) => !fileKeys.has(resourceKey(r))),
    ...decoded.resources,
  ];
  const resources = merged.filter((r) => !IGNORED_NAMESPACES.has(r.metadata.namespace));
  const mesh = meshFromFile ?? meshConfigFromResources(resources) ?? defaultMeshConfig();
  const snapshot = createConfigSnapshot(live ? resources : withDefaultResources(resources), mesh);
  const all = analyze(snapshot, {
    analyzers: opts.analyzer,
    ...(io.now ? { now: io.now } : {}),
  });

  const annotated = new Map<string, string[]>();
  for (const r of snapshot.resources) {
    const a = r.metadata.annotations[SUPPRESS_ANNOTATION];
    if (a) annotated.set(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`, a.split(','));
  }
  const kept = sortAndDedupe(
    all.filter((m) => {
      const r = m.resource;
      if (selectedNamespace && r && r.namespace && r.namespace !== selectedNamespace) return false;
      if (isSuppressed(m, suppressions)) return false;
      const codes = r ? annotated.get(`${r.kind}/${r.namespace}/${r.name}`) : undefined;
      return !(codes && (codes.includes(m.code) || codes.includes('*')));
    }),
  );
  const shown = kept.filter((m) => atLeast(m.level, outputThreshold));
  printMessages(shown, format, opts.color ?? false, io);

  const target = opts.allNamespaces ? 'all namespaces' : `namespace: ${selectedNamespace}`;
  if (shown.length === 0) {
    if (parseErrorFiles.size === 0) {
      const names = paths.length > 0 ? paths.join('\n') : target;
      io.err(`\u2714 No validation issues found when analyzing ${names}.\n`);
    } else {
      const n = parseErrorFiles.size;
      io.err(
        `No validation issues found when analyzing ${target} (but ${n} ${n === 1 ? 'file' : 'files'} could not be parsed).\n`,
      );
    }
  }
  // istioctl sets the exit code from messages (and parse errors) only in log format.
  if (format !== 'log') return EXIT.ok;
  if (kept.some((m) => atLeast(m.level, failureThreshold as Level))) {
    io.err(
      `Error: Analyzers found issues when analyzing ${target}.\nSee ${CONFIG_ANALYSIS_URL} for more information about causes and resolutions.\n`,
    );
    return EXIT.analyzeIssues;
  }
  if (parseErrorFiles.size > 0) {
    io.err(`Error: Some files couldn't be parsed.\n`);
    return EXIT.dataError;
  }
  return EXIT.ok;
}

function printMessages(
  messages: readonly AnalysisMessage[],
  format: string,
  color: boolean,
  io: AnalyzeIo,
): void {
  if (format === 'json') io.out(formatJson(messages) + '\n');
  else if (format === 'yaml') io.out(formatYaml(messages) + '\n');
  else io.out(messages.map((m) => formatLogLine(m, color)).join('\n') + '\n');
}
