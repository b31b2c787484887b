// A small Kubernetes API server for informer tests: real HTTP on port 0, list (with limit/continue)
// and watch (ADDED/MODIFIED/DELETED/BOOKMARK, resumable from a resourceVersion) over an in-memory
// history that can be compacted, so a watch from a compacted revision gets `410 Expired` as the real
// API server answers it (apiserver storage/cacher watch_cache.go). It can also stall its watches
// (headers sent, then silence) and go away and come back on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Obj = Record<string, unknown>;

interface Served {
  group: string;
  versions: string[];
  plural: string;
  kind: string;
  namespaced: boolean;
}

interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  object: Obj;
}

interface OpenWatch {
  resource: string;
  namespace?: string;
  fieldSelector?: string;
  res: ServerResponse;
  bookmarks: boolean;
  timer?: NodeJS.Timeout;
}

const keyOf = (o: Obj) => {
  const m = (o.metadata as Obj | undefined) ?? {};
  return `${String(m.namespace ?? '')}/${String(m.name ?? '')}`;
};
const metaOf = (o: Obj) => (o.metadata as Obj | undefined) ?? {};

export class FakeKubeApi {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly served: Served[] = [];
  private readonly objects = new Map<string, Map<string, Obj>>();
  private history: HistoryEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  revision = 100;
  /** Oldest revision a watch may resume from (everything before was compacted). */
  compactedTo = 0;
  /** Watches get headers and then nothing: no events, no bookmarks. */
  stalled = false;
  /** Watches end as soon as they open, with no event (a proxy or server that keeps cutting them). */
  cutWatches = false;
  bookmarkMs = 50;
  port = 0;
  /** Plurals this server's RBAC does not let the client list or watch (403). */
  readonly forbidden = new Set<string>();
  /** Every request, as `GET <path>?<query>`. */
  readonly requests: string[] = [];

  serve(r: Served): this {
    this.served.push(r);
    return this;
  }

  private resourceId(group: string, plural: string): string {
    return `${plural}.${group}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Goes away: the listener closes and every open connection is cut. */
  async stop(): Promise<void> {
    for (const w of this.watches) clearInterval(w.timer);
    this.watches.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server = undefined;
  }

  /** A kubeconfig for this server (plain HTTP, as client-node allows with insecure-skip-tls-verify). */
  kubeconfig(): string {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-fake-kube-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: { server: "http://127.0.0.1:${this.port}", insecure-skip-tls-verify: true }
users:
- name: fake
  user: { token: fake-token }
contexts:
- name: fake
  context: { cluster: fake, user: fake }
current-context: fake
`,
    );
    return path;
  }

  /** Creates or replaces an object (its apiVersion/kind say which resource). */
  put(obj: Obj): Obj {
    const r = this.servedFor(obj);
    const store = this.store(r);
    const key = keyOf(obj);
    const type = store.has(key) ? 'MODIFIED' : 'ADDED';
    const rv = ++this.revision;
    const stored: Obj = {
      ...obj,
      metadata: {
        creationTimestamp: '2026-01-01T00:00:00Z',
        ...metaOf(obj),
        resourceVersion: String(rv),
      },
    };
    store.set(key, stored);
    this.record({ rv, type, resource: this.resourceId(r.group, r.plural), object: stored });
    return stored;
  }

  delete(obj: Obj): void {
    const r = this.servedFor(obj);
    const store = this.store(r);
    const old = store.get(keyOf(obj));
    if (!old) return;
    store.delete(keyOf(obj));
    const rv = ++this.revision;
    const gone = { ...old, metadata: { ...metaOf(old), resourceVersion: String(rv) } };
    this.record({
      rv,
      type: 'DELETED',
      resource: this.resourceId(r.group, r.plural),
      object: gone,
    });
  }

  /** Forgets all history up to now: a watch from an older revision gets 410. */
  compact(): void {
    this.compactedTo = this.revision;
    this.history = [];
  }

  /** Ends every open watch (as the server does at timeoutSeconds). */
  endWatches(): void {
    for (const w of [...this.watches]) this.endWatch(w);
  }

  openWatches(): number {
    return this.watches.size;
  }

  private endWatch(w: OpenWatch): void {
    clearInterval(w.timer);
    this.watches.delete(w);
    w.res.end();
  }

  private servedFor(obj: Obj): Served {
    const apiVersion = String(obj.apiVersion ?? '');
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const r = this.served.find((s) => s.kind === obj.kind && s.group === group);
    if (!r) throw new Error(`fake API server does not serve ${apiVersion} ${String(obj.kind)}`);
    return r;
  }

  private store(r: Served): Map<string, Obj> {
    const id = this.resourceId(r.group, r.plural);
    let m = this.objects.get(id);
    if (!m) this.objects.set(id, (m = new Map()));
    return m;
  }

  private record(e: HistoryEvent): void {
    this.history.push(e);
    if (this.stalled) return;
    for (const w of this.watches) {
      if (w.resource === e.resource && this.matches(w, e.object))
        this.send(w.res, e.type, e.object);
    }
  }

  private matches(w: { namespace?: string; fieldSelector?: string }, o: Obj): boolean {
    if (w.namespace && metaOf(o).namespace !== w.namespace) return false;
    for (const term of (w.fieldSelector ?? '').split(',').filter(Boolean)) {
      const neg = term.includes('!=');
      const [field, value] = term.split(neg ? '!=' : '=') as [string, string];
      const actual =
        field === 'metadata.name' ? metaOf(o).name : field === 'type' ? o.type : undefined;
      if (neg ? actual === value : actual !== value) return false;
    }
    return true;
  }

  private send(res: ServerResponse, type: string, object: unknown): void {
    res.write(JSON.stringify({ type, object }) + '\n');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== 'Bearer fake-token')
      return this.status(res, 401, 'Unauthorized');
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(
      url.pathname,
    );
    const group = m?.[2] ?? '';
    const version = m?.[1] ?? m?.[3] ?? '';
    const r = this.served.find(
      (s) => s.group === group && s.plural === m?.[5] && s.versions.includes(version),
    );
    if (!m || !r)
      return this.status(res, 404, 'the server could not find the requested resource', 'NotFound');
    if (this.forbidden.has(r.plural))
      return this.status(
        res,
        403,
        `${r.plural} is forbidden: User cannot list resource`,
        'Forbidden',
      );
    const namespace = m[4];
    const fieldSelector = url.searchParams.get('fieldSelector') ?? undefined;
    const sel = {
      ...(namespace ? { namespace } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    };
    const apiVersion = group ? `${group}/${version}` : version;
    const present = (o: Obj): Obj => ({ ...o, apiVersion, kind: r.kind });
    const current = () =>
      [...this.store(r).values()]
        .filter((o) => this.matches(sel, o))
        .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    if (url.searchParams.get('watch') === 'true') {
      const rvParam = url.searchParams.get('resourceVersion') ?? '';
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const from = Number(rvParam || '0');
      if (rvParam && rvParam !== '0' && from < this.compactedTo) {
        // watch_cache.go: "too old resource version" as an ERROR event, then the stream ends.
        this.send(res, 'ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: `too old resource version: ${from} (${this.compactedTo})`,
          reason: 'Expired',
          code: 410,
        });
        res.end();
        return;
      }
      if (this.cutWatches) {
        res.end();
        return;
      }
      const id = this.resourceId(r.group, r.plural);
      const w: OpenWatch = {
        resource: id,
        ...sel,
        res,
        bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      };
      this.watches.add(w);
      res.on('close', () => {
        clearInterval(w.timer);
        this.watches.delete(w);
      });
      if (this.stalled) return;
      if (!rvParam || rvParam === '0')
        for (const o of current()) this.send(res, 'ADDED', present(o));
      else
        for (const e of this.history)
          if (e.rv > from && e.resource === id && this.matches(sel, e.object))
            this.send(res, e.type, present(e.object));
      if (w.bookmarks)
        w.timer = setInterval(() => {
          if (this.stalled) return;
          this.send(res, 'BOOKMARK', {
            apiVersion,
            kind: r.kind,
            metadata: { resourceVersion: String(this.revision) },
          });
        }, this.bookmarkMs);
      return;
    }
    // List, paged by limit/continue (the token is the last key; compaction does not expire it here).
    const all = current();
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const after = url.searchParams.get('continue');
    const start = after ? all.findIndex((o) => keyOf(o) > after) : 0;
    const rest = start < 0 ? [] : all.slice(start);
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const more = limit > 0 && rest.length > limit;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${r.kind}List`,
        apiVersion,
        metadata: {
          resourceVersion: String(this.revision),
          ...(more ? { continue: keyOf(page[page.length - 1]!) } : {}),
        },
        // Items as the API server lists typed objects: without apiVersion/kind.
        items: page.map((o) => {
          const { apiVersion: _a, kind: _k, ...rest2 } = o;
          void _a;
          void _k;
          return rest2;
        }),
      }),
    );
  }

  private status(
    res: ServerResponse,
    code: number,
    message: string,
    reason = 'Unauthorized',
  ): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message,
        reason,
        code,
      }),
    );
  }
}
