// The /config endpoints: read the live config, and apply / patch / delete it as kubectl would.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { kubectlTypeName, type KindInfo } from '../config/kinds.js';
import { parseResources } from '../config/parse.js';
import {
  ConfigStore,
  kindFromKubectlArgument,
  kindInfoOf,
  kubectlPluralName,
  notFoundMessage,
  storeKindOf,
  StoreError,
  type PatchType,
} from '../config/store.js';
import { formatDiagnostic, type ConfigDiagnostic, type Resource } from '../config/types.js';
import { readBody, sendJson } from './http-util.js';
import { status, statusFromError } from './status.js';

/** Content type of a body carrying several named files (the CLI's `apply -f a.yaml -f dir/`). */
export const FILES_MEDIA_TYPE = 'application/vnd.switchyard.files+json';

export interface ConfigFile {
  filename: string;
  content: string;
}

export interface ApplyResponse {
  kind: 'ApplyResult';
  revision: number;
  results: {
    typeName: string;
    kind: string;
    namespace: string;
    name: string;
    action: string;
  }[];
  /** Warning lines (formatDiagnostic) to print on stderr. */
  warnings: string[];
}

export interface DeleteResponse {
  kind: 'DeleteResult';
  revision: number;
  results: {
    typeName: string;
    kind: string;
    namespace: string;
    name: string;
    deleted: boolean;
    file?: string;
    /** kubectl's NotFound text when it was not there. */
    message?: string;
  }[];
}

export interface PatchResponse {
  kind: 'PatchResult';
  revision: number;
  typeName: string;
  namespace: string;
  name: string;
  changed: boolean;
  object: unknown;
  warnings: string[];
}

export class ConfigRoutes {
  constructor(
    private readonly store: ConfigStore,
    private readonly maxBodyBytes: number,
  ) {}

  /** Serves /config...; returns false when the path and method are not one of its routes. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    let parts: string[];
    try {
      parts = url.pathname
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
    } catch {
      if (!url.pathname.startsWith('/config')) return false;
      sendJson(res, 400, status(400, 'BadRequest', `malformed path ${url.pathname}`));
      return true;
    }
    if (parts[0] !== 'config') return false;
    const method = req.method ?? 'GET';
    try {
      if (parts.length === 2 && parts[1] === 'apply' && method === 'POST') {
        await this.apply(req, res, url);
      } else if (parts.length === 2 && parts[1] === 'delete' && method === 'POST') {
        await this.deleteFromFiles(req, res, url);
      } else if (method === 'GET' && parts.length === 1) {
        this.list(res, undefined, url.searchParams.get('namespace') ?? undefined);
      } else if (parts.length >= 2) {
        const info = kindFromKubectlArgument(parts[1]!);
        if (!info) {
          sendJson(
            res,
            404,
            status(404, 'NotFound', `the server doesn't have a resource type "${parts[1]}"`),
          );
          return true;
        }
        const target = objectPath(info, parts.slice(2));
        if (method === 'GET' && parts.length === 2) {
          this.list(res, info, url.searchParams.get('namespace') ?? undefined);
        } else if (!target) {
          sendJson(res, 404, status(404, 'NotFound', `no such path ${url.pathname}`));
        } else if (method === 'GET') {
          const r = this.store.get(storeKindOf(info), target.namespace, target.name);
          if (r) sendJson(res, 200, r.raw);
          else
            sendJson(
              res,
              404,
              status(404, 'NotFound', `${kubectlPluralName(info)} "${target.name}" not found`),
            );
        } else if (method === 'DELETE') {
          const r = this.store.delete(storeKindOf(info), target.namespace, target.name);
          const body: DeleteResponse = {
            kind: 'DeleteResult',
            revision: this.store.revision,
            results: [{ ...describe(r), deleted: true }],
          };
          sendJson(res, 200, body);
        } else if (method === 'PATCH') {
          await this.patch(req, res, url, info, target);
        } else {
          sendJson(
            res,
            405,
            status(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`),
          );
        }
      } else {
        sendJson(
          res,
          405,
          status(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`),
        );
      }
    } catch (err) {
      const body = statusFromError(err);
      sendJson(res, body.code, body);
    }
    return true;
  }

  private list(
    res: ServerResponse,
    info: KindInfo | undefined,
    namespace: string | undefined,
  ): void {
    const items = this.store
      .list(info ? storeKindOf(info) : undefined, namespace)
      .map((r) => r.raw);
    // kubectl prints lists as a v1 List (k8s.io/cli-runtime printers).
    sendJson(res, 200, {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: String(this.store.revision) },
      items,
    });
  }

  private async readFiles(req: IncomingMessage, url: URL): Promise<ConfigFile[]> {
    const text = await readBody(req, this.maxBodyBytes);
    if ((req.headers['content-type'] ?? '').startsWith(FILES_MEDIA_TYPE)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new StoreError(
          'BadRequest',
          `invalid ${FILES_MEDIA_TYPE} body: ${(err as Error).message}`,
        );
      }
      const files = (parsed as { files?: unknown }).files;
      if (
        !Array.isArray(files) ||
        !files.every((f) => typeof f?.filename === 'string' && typeof f?.content === 'string')
      )
        throw new StoreError(
          'BadRequest',
          `a ${FILES_MEDIA_TYPE} body is {"files":[{"filename","content"}]}`,
        );
      return files as ConfigFile[];
    }
    return [{ filename: url.searchParams.get('filename') ?? '<request body>', content: text }];
  }

  /** Parses files as `kubectl apply -f` reads them; syntax errors are a 400 with file:line. */
  private async parseFiles(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ resources: Resource[]; warnings: ConfigDiagnostic[] }> {
    const files = await this.readFiles(req, url);
    const namespace = url.searchParams.get('namespace') ?? undefined;
    const resources: Resource[] = [];
    const diagnostics: ConfigDiagnostic[] = [];
    const warnings: ConfigDiagnostic[] = [];
    for (const file of files) {
      const parsed = parseResources(file.content, file.filename, {
        defaultNamespace: namespace ?? 'default',
      });
      resources.push(...parsed.resources);
      diagnostics.push(...parsed.diagnostics);
      for (const s of parsed.skipped)
        warnings.push({
          level: 'Warning',
          message: `${s.apiVersion} ${s.kind} ${s.name} is not a kind Switchyard reads; skipped`,
          position: s.position,
        });
    }
    const errors = diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0) {
      const first = errors[0]!;
      const where = first.position ? ` "${first.position.file}"` : '';
      throw new StoreError('BadRequest', `error parsing${where}: ${first.message}`, [
        {
          ref: { kind: '', namespace: '', name: '' },
          typeName: '',
          operation: 'creating',
          diagnostics: errors,
        },
      ]);
    }
    warnings.push(...diagnostics);
    // kubectl apply -n X refuses objects that name another namespace (apply.go "does not match the namespace").
    if (namespace !== undefined) {
      const other = resources.find(
        (r) => r.namespaceExplicit && r.metadata.namespace !== namespace,
      );
      if (other)
        throw new StoreError(
          'BadRequest',
          `the namespace from the provided object "${other.metadata.namespace}" does not match the namespace "${namespace}". You must pass '--namespace=${other.metadata.namespace}' to perform this operation.`,
        );
    }
    return { resources, warnings };
  }

  private async apply(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { resources, warnings } = await this.parseFiles(req, url);
    if (resources.length === 0) {
      sendJson(res, 400, status(400, 'BadRequest', 'no objects passed to apply', warnings));
      return;
    }
    // Kubernetes' dry-run query parameter: `?dryRun=All`.
    const outcome = this.store.apply(resources, {
      dryRun: url.searchParams.get('dryRun') === 'All',
    });
    const body: ApplyResponse = {
      kind: 'ApplyResult',
      revision: outcome.revision,
      results: outcome.results.map((r) => ({ typeName: r.typeName, ...r.ref, action: r.action })),
      warnings: [...warnings, ...outcome.warnings].map(formatDiagnostic),
    };
    sendJson(res, 200, body);
  }

  private async deleteFromFiles(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const { resources } = await this.parseFiles(req, url);
    const outcome = this.store.deleteMany(
      resources.map((r) => ({
        kind: r.kind,
        namespace: r.metadata.namespace,
        name: r.metadata.name,
      })),
    );
    const body: DeleteResponse = {
      kind: 'DeleteResult',
      revision: outcome.revision,
      results: outcome.results.map((r, i) => {
        const input = resources[i]!;
        const info = kindInfoOf(input);
        return {
          typeName: info ? (r.deleted ? r.typeName : kubectlTypeName(info)) : r.typeName,
          ...r.ref,
          deleted: r.deleted,
          ...(input.source ? { file: input.source.file } : {}),
          ...(r.deleted ? {} : { message: notFoundMessage(r.ref.kind, r.ref.name) }),
        };
      }),
    };
    sendJson(res, 200, body);
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: KindInfo,
    target: { namespace: string; name: string },
  ): Promise<void> {
    const type = patchTypeOf(url.searchParams.get('type'), req.headers['content-type'], info);
    const text = await readBody(req, this.maxBodyBytes);
    let patch: unknown;
    try {
      // kubectl accepts the -p patch as JSON or YAML.
      patch = parseYaml(text);
    } catch (err) {
      throw new StoreError(
        'BadRequest',
        `unable to parse the patch: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    const out = this.store.patch(storeKindOf(info), target.namespace, target.name, type, patch);
    const body: PatchResponse = {
      kind: 'PatchResult',
      revision: out.revision,
      typeName: out.typeName,
      namespace: out.ref.namespace,
      name: out.ref.name,
      changed: out.changed,
      object: out.resource.raw,
      warnings: out.warnings.map(formatDiagnostic),
    };
    sendJson(res, 200, body);
  }
}

function describe(r: Resource): {
  typeName: string;
  kind: string;
  namespace: string;
  name: string;
} {
  const info = kindInfoOf(r);
  return {
    typeName: info ? kubectlTypeName(info) : r.kind.toLowerCase(),
    kind: r.kind,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
  };
}

/** `<ns>/<name>` for namespaced kinds, `<name>` (or `_/<name>`) for cluster-scoped ones. */
function objectPath(
  info: KindInfo,
  rest: string[],
): { namespace: string; name: string } | undefined {
  if (rest.length === 2) return { namespace: info.namespaced ? rest[0]! : '', name: rest[1]! };
  if (rest.length === 1 && !info.namespaced) return { namespace: '', name: rest[0]! };
  return undefined;
}

/**
 * The patch type from `?type=` or kubectl's content types. Strategic merge is refused for custom
 * resources exactly as the API server refuses it; for core kinds it is treated as a merge patch.
 */
function patchTypeOf(
  param: string | null,
  contentType: string | undefined,
  info: KindInfo,
): PatchType {
  const type =
    param ??
    (contentType?.startsWith('application/json-patch+json')
      ? 'json'
      : contentType?.startsWith('application/strategic-merge-patch+json')
        ? 'strategic'
        : 'merge');
  if (type === 'merge' || type === 'json') return type;
  if (type === 'strategic') {
    if (info.family === 'kubernetes') return 'merge';
    throw new StoreError(
      'BadRequest',
      `application/strategic-merge-patch+json is not supported by ${info.group}/${info.versions[0]}, Kind=${info.kind}: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  }
  throw new StoreError(
    'BadRequest',
    `--type must be "json", "merge", or "strategic", got "${type}"`,
  );
}
