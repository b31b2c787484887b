// Multi-file `apply -f` / `delete -f` with file:line diagnostics on top of the Kubernetes API, and
// the read-only config dump `analyze --server` reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { kubectlTypeName, type KindInfo } from '../config/kinds.js';
import { parseResourcesSteps } from '../config/parse.js';
import { nextTurn, runStepsSliced, servingLoopSlicer } from '../runtime/steps.js';
import {
  ConfigStore,
  kindInfoOf,
  notFoundMessage,
  storeKindOf,
  StoreError,
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

/**
 * Switchyard's thin extension of the Kubernetes API: `kubectl apply -f` / `delete -f` of several
 * named files in one all-or-nothing request, refusals naming file:line. Create-only, like the API's
 * review resources (TokenReview); everything else is the Kubernetes REST API (src/kube).
 */
export const FILE_APPLY_PATH = '/apis/switchyard.io/v1alpha1/applies';
export const FILE_DELETE_PATH = '/apis/switchyard.io/v1alpha1/deletions';

export class ConfigRoutes {
  constructor(
    private readonly store: ConfigStore,
    private readonly maxBodyBytes: number,
  ) {}

  /**
   * Serves the file apply/delete extension and the read-only `GET /config` dump (`analyze
   * --server`); returns false for any other path.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const route =
      url.pathname === FILE_APPLY_PATH && method === 'POST'
        ? 'apply'
        : url.pathname === FILE_DELETE_PATH && method === 'POST'
          ? 'delete'
          : url.pathname === '/config' && method === 'GET'
            ? 'list'
            : undefined;
    if (!route) return false;
    try {
      if (route === 'apply') await this.apply(req, res, url);
      else if (route === 'delete') await this.deleteFromFiles(req, res, url);
      else this.list(res, undefined, url.searchParams.get('namespace') ?? undefined);
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
    // Parsed one document per step in event-loop slices: a large body does not stall the proxies.
    const slicer = servingLoopSlicer();
    for (const file of files) {
      const parsed = await runStepsSliced(
        parseResourcesSteps(file.content, file.filename, {
          defaultNamespace: namespace ?? 'default',
        }),
        slicer,
      );
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
    const outcome = await this.store.applySliced(resources, servingLoopSlicer(), {
      dryRun: url.searchParams.get('dryRun') === 'All',
    });
    // The commit ended a turn's work; the reply (thousands of results as JSON) is encoded in the next.
    await nextTurn();
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
}
