// What the kubectl-style verbs share: reading -f files, kind/name arguments, the NotFound wording.
import { readFileSync, existsSync } from 'node:fs';
import { expandPaths } from '../../config/load.js';
import type { KindInfo } from '../../config/kinds.js';
import { kindFromKubectlArgument } from '../../config/store.js';
import { parseResources } from '../../config/parse.js';
import { formatDiagnostic } from '../../config/types.js';
import type { ConfigFile } from '../../admin/config-routes.js';
import { API_RESOURCES } from '../../kube/index.js';

/** A usage or input problem found before talking to the server; printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Reads -f arguments (files, directories, `-` for stdin, named STDIN as kubectl names it). */
export function readConfigFiles(filenames: readonly string[], recursive: boolean): ConfigFile[] {
  for (const f of filenames)
    if (f !== '-' && !existsSync(f)) throw new CliError(`the path "${f}" does not exist`);
  return expandPaths(filenames, recursive).map((path) =>
    path === '-'
      ? { filename: 'STDIN', content: readFileSync(0, 'utf8') }
      : { filename: path, content: readFileSync(path, 'utf8') },
  );
}

/** kubectl parses before sending: a syntax error stops everything with `error: error parsing FILE`. */
export function checkSyntax(files: readonly ConfigFile[], namespace: string | undefined): void {
  for (const f of files) {
    const parsed = parseResources(f.content, f.filename, {
      defaultNamespace: namespace ?? 'default',
    });
    const errors = parsed.diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0)
      throw new CliError(
        `error parsing ${f.filename}: ${errors[0]!.message}`,
        errors.map(formatDiagnostic),
      );
  }
}

/** Resolves a kind argument (vs, virtualservices, VirtualService...) or fails as kubectl does. */
export function requireKind(arg: string): KindInfo {
  const info = kindFromKubectlArgument(arg);
  if (!info) throw new CliError(`the server doesn't have a resource type "${arg}"`);
  return info;
}

/**
 * The Kubernetes REST path of a kind's collection: `/apis/<group>/<version>[/namespaces/<ns>]/<plural>`
 * (`/api/v1/...` for the core group); no namespace lists across all namespaces.
 */
export function collectionPath(info: KindInfo, namespace: string | undefined): string {
  const resource = API_RESOURCES.find((r) => r.kindInfo === info);
  const plural = resource?.plural ?? info.names[1] ?? info.kind.toLowerCase();
  const version = resource?.versions[0] ?? info.versions[0] ?? 'v1';
  const root = info.group ? `/apis/${info.group}/${version}` : `/api/${version}`;
  const ns =
    info.namespaced && namespace !== undefined
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${root}${ns}/${plural}`;
}

/** The Kubernetes REST path of one object. */
export function objectPath(info: KindInfo, namespace: string, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

/** `KIND NAME...` or `KIND/NAME...` into (kind, name) pairs. */
export function kindNamePairs(args: readonly string[]): { kind: KindInfo; name: string }[] {
  if (args.length === 0)
    throw new CliError('You must provide one or more resources by argument or filename.');
  if (args[0]!.includes('/')) {
    return args.map((a) => {
      const [kind, name] = a.split('/', 2) as [string, string | undefined];
      if (!name)
        throw new CliError(`arguments in resource/name form must have a single resource and name`);
      return { kind: requireKind(kind), name };
    });
  }
  const kind = requireKind(args[0]!);
  const names = args.slice(1);
  if (names.length === 0)
    throw new CliError('resource(s) were provided, but no name was specified');
  return names.map((name) => ({ kind, name }));
}
