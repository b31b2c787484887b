// One resource's objects kept in memory from a Kubernetes API server, as client-go's Reflector keeps
// them (kubernetes staging/src/k8s.io/client-go/tools/cache/reflector.go): list, then watch from the
// list's resourceVersion with allowWatchBookmarks; 410 Gone/Expired -> relist; errors -> retry with
// the reflector's back-off; a watch that ends is resumed from the last resourceVersion. Added here: a
// watch that brings neither an event nor a BOOKMARK within the stall deadline is cut and restarted.
import {
  systemClock,
  systemRandom,
  type Clock,
  type Random,
  type TimerHandle,
} from '../runtime/index.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { KubeTransport, WatchStream } from './transport.js';

export type KubeObject = Record<string, unknown>;

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  /** Versions to try in order; the first one the server serves is used. */
  versions: readonly string[];
  plural: string;
  kind: string;
  /** Watch one namespace only. */
  namespace?: string;
  fieldSelector?: string;
}

/**
 * `synced`: the cache is the server's current state; `retrying`: the server cannot be reached (the
 * cache keeps the last known objects); `not-served`: no served version (e.g. Istio CRDs absent);
 * `forbidden`: 401/403 (RBAC does not grant list/watch). The last two are retried with back-off.
 */
export type InformerState = 'starting' | 'synced' | 'retrying' | 'not-served' | 'forbidden';

export interface InformerOptions {
  transport: KubeTransport;
  resource: ResourceType;
  clock?: Clock;
  random?: Random;
  backoff?: BackoffOptions;
  /**
   * No event or BOOKMARK within this long -> the watch is restarted. The API server sends a
   * BOOKMARK about once a minute (kubernetes staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go
   * defaultBookmarkFrequency); default 150 s.
   */
  stallMs?: number;
  /** A watch that ends sooner than this with no event is an error (client-go: 1 s). */
  shortWatchMs?: number;
  /** Items per list page (client-go's pager: 500). */
  pageSize?: number;
  /** The cache changed (an event, or a relist that differs). */
  onChange?: () => void;
  /** State transitions, with the reason. */
  onState?: (state: InformerState, detail: string) => void;
  /** One line per notable event that is not a state change (410 relist, stalled watch). */
  log?: (line: string) => void;
}

const objKey = (o: KubeObject): string => {
  const m = (o.metadata as KubeObject | undefined) ?? {};
  return `${String(m.namespace ?? '')}/${String(m.name ?? '')}`;
};
const rvOf = (o: unknown): string => {
  const m = (o as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata;
  return typeof m?.resourceVersion === 'string' ? m.resourceVersion : '';
};

/** A failure with the HTTP status (0 = no response) that caused it. */
class RequestFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function statusMessage(status: number, body: unknown): string {
  const msg = (body as { message?: unknown } | undefined)?.message;
  return `${status}${typeof msg === 'string' && msg ? `: ${msg}` : ''}`;
}

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private resourceVersion = '';
  private version: string | undefined;
  private current: WatchStream | undefined;
  private stallTimer: TimerHandle | undefined;
  /** The current watch was ended by the stall detector, not by the server. */
  private cutAsStalled = false;
  private retryTimer: TimerHandle | undefined;
  private stopped = true;
  private generation = 0;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly backoff: Backoff;
  state: InformerState = 'starting';
  /** Times the cache was filled by a list (the first sync included). */
  lists = 0;
  /** Times a watch was opened. */
  watches = 0;
  /** Bumped whenever the cache's content changes: equal counts, the same objects (for caches built on it). */
  changes = 0;

  constructor(private readonly o: InformerOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? systemRandom;
    this.backoff = new Backoff(this.clock, this.random, o.backoff);
  }

  get name(): string {
    const r = this.o.resource;
    return r.group ? `${r.plural}.${r.group}` : r.plural;
  }

  /** The version being read (undefined until one is served). */
  get servedVersion(): string | undefined {
    return this.version;
  }

  /** The revision a resumed watch starts from (the last event's or BOOKMARK's). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  get synced(): boolean {
    return (
      this.state === 'synced' ||
      this.state === 'not-served' ||
      this.state === 'forbidden' ||
      this.lists > 0
    );
  }

  items(): KubeObject[] {
    return [...this.cache.values()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.stallTimer?.cancel();
    this.retryTimer?.cancel();
    this.current?.abort();
    this.current = undefined;
  }

  private path(version: string): string {
    const r = this.o.resource;
    const base = r.group ? `/apis/${r.group}/${version}` : `/api/${version}`;
    return `${base}${r.namespace ? `/namespaces/${r.namespace}` : ''}/${r.plural}`;
  }

  private query(): Record<string, string> {
    const r = this.o.resource;
    return r.fieldSelector ? { fieldSelector: r.fieldSelector } : {};
  }

  private setState(state: InformerState, detail: string): void {
    if (state === this.state) return;
    this.state = state;
    this.o.onState?.(state, detail);
  }

  private retry(err: unknown): void {
    const status = err instanceof RequestFailure ? err.status : 0;
    const wait = this.backoff.next();
    if (status === 404)
      this.setState('not-served', `no served version (${this.o.resource.versions.join(', ')})`);
    else if (status === 401 || status === 403) this.setState('forbidden', (err as Error).message);
    else this.setState('retrying', (err as Error).message);
    const gen = this.generation;
    this.retryTimer = this.clock.setTimer(wait, () => {
      if (gen === this.generation && !this.stopped) void this.relist();
    });
  }

  /** Lists every page into a fresh cache; the watch then starts from the list's resourceVersion. */
  private async relist(): Promise<void> {
    const gen = ++this.generation;
    try {
      const { items, resourceVersion, version } = await this.listAll();
      if (gen !== this.generation || this.stopped) return;
      this.version = version;
      const before = this.cache.size;
      let changed = false;
      const seen = new Set<string>();
      for (const item of items) {
        const key = objKey(item);
        seen.add(key);
        if (rvOf(this.cache.get(key)) !== rvOf(item) || !this.cache.has(key)) changed = true;
        if (this.cache.get(key) !== item) this.changes++;
        this.cache.set(key, item);
      }
      for (const key of [...this.cache.keys()])
        if (!seen.has(key)) {
          this.cache.delete(key);
          this.changes++;
          changed = true;
        }
      this.resourceVersion = resourceVersion;
      this.lists++;
      // Change first, then the state: the source builds once when the last informer syncs.
      if (changed || (before === 0 && this.lists === 1)) this.o.onChange?.();
      this.setState('synced', `${items.length} objects at resourceVersion ${resourceVersion}`);
      this.watch(gen);
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.retry(err);
    }
  }

  private async listAll(): Promise<{
    items: KubeObject[];
    resourceVersion: string;
    version: string;
  }> {
    const r = this.o.resource;
    let notServed: RequestFailure | undefined;
    for (const version of this.version ? [this.version] : r.versions) {
      const items: KubeObject[] = [];
      let cont = '';
      let rv = '';
      let status = 0;
      do {
        const res = await this.o.transport.getJson(this.path(version), {
          ...this.query(),
          limit: String(this.o.pageSize ?? 500),
          ...(cont ? { continue: cont } : {}),
        });
        status = res.status;
        if (status === 404) break;
        // A continue token from a compacted revision (410): the list restarts (client-go pager.go).
        if (status === 410 && cont) {
          cont = '';
          items.length = 0;
          continue;
        }
        if (status !== 200)
          throw new RequestFailure(status, `list ${this.name}: ${statusMessage(status, res.body)}`);
        const body = res.body as {
          metadata?: { resourceVersion?: unknown; continue?: unknown };
          items?: unknown;
        };
        // List items carry no apiVersion/kind (apimachinery: only the list names them); give them back.
        const apiVersion = r.group ? `${r.group}/${version}` : version;
        for (const item of Array.isArray(body.items) ? (body.items as KubeObject[]) : [])
          items.push({ ...item, apiVersion, kind: r.kind });
        rv =
          typeof body.metadata?.resourceVersion === 'string' ? body.metadata.resourceVersion : '';
        cont = typeof body.metadata?.continue === 'string' ? body.metadata.continue : '';
      } while (cont);
      if (status === 404) {
        notServed = new RequestFailure(404, `${this.name}: not served`);
        continue;
      }
      return { items, resourceVersion: rv, version };
    }
    this.version = undefined;
    throw notServed ?? new RequestFailure(404, `${this.name}: not served`);
  }

  private armStall(gen: number): void {
    this.stallTimer?.cancel();
    const ms = this.o.stallMs ?? 150_000;
    this.stallTimer = this.clock.setTimer(ms, () => {
      if (gen !== this.generation || this.stopped) return;
      this.o.log?.(
        `kube: watch of ${this.name} stalled (no event or bookmark in ${ms / 1000}s); restarting it from resourceVersion ${this.resourceVersion}`,
      );
      this.cutAsStalled = true;
      this.current?.abort();
    });
  }

  private watch(gen: number): void {
    const r = this.o.resource;
    // reflector.go: timeoutSeconds = minWatchTimeout (5 min) * (1 + rand), so watches do not all end together.
    const timeoutSeconds = Math.round(300 * (1 + this.random.next()));
    let expired = false;
    let errorEvent: string | undefined;
    let events = 0;
    const openedAt = this.clock.monotonic();
    this.cutAsStalled = false;
    this.watches++;
    const apiVersion = r.group ? `${r.group}/${this.version}` : this.version!;
    const stream = this.o.transport.watch(
      this.path(this.version!),
      {
        ...this.query(),
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
      },
      (event) => {
        if (gen !== this.generation) return;
        this.armStall(gen);
        events++;
        const obj = event.object as KubeObject | undefined;
        if (!obj || typeof obj !== 'object') return;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            this.cache.set(objKey(obj), { ...obj, apiVersion, kind: r.kind });
            this.changes++;
            this.resourceVersion = rvOf(obj) || this.resourceVersion;
            this.o.onChange?.();
            return;
          case 'DELETED':
            this.cache.delete(objKey(obj));
            this.changes++;
            this.resourceVersion = rvOf(obj) || this.resourceVersion;
            this.o.onChange?.();
            return;
          case 'BOOKMARK':
            this.resourceVersion = rvOf(obj) || this.resourceVersion;
            return;
          case 'ERROR': {
            const code = (obj as { code?: unknown }).code;
            if (code === 410) expired = true;
            else errorEvent = statusMessage(Number(code ?? 0), obj);
            return;
          }
        }
      },
    );
    this.current = stream;
    this.armStall(gen);
    void stream.done.then(({ status, body, error }) => {
      if (gen !== this.generation || this.stopped) return;
      this.stallTimer?.cancel();
      if (expired || status === 410) {
        // The resourceVersion was compacted away: the reflector relists (reflector.go isExpiredError).
        this.o.log?.(
          `kube: ${this.name} resourceVersion ${this.resourceVersion} is too old (410 Expired); relisting`,
        );
        this.resourceVersion = '';
        void this.relist();
        return;
      }
      const lasted = this.clock.monotonic() - openedAt;
      const short = events === 0 && !this.cutAsStalled && lasted < (this.o.shortWatchMs ?? 1000);
      if (status === 200 && !errorEvent && short) {
        // reflector.go watchHandler: "very short watch ... lasted less than a second and no items
        // received" is an error, so a server that keeps cutting watches is not re-watched in a loop.
        this.retryWatch(gen, new RequestFailure(status, `watch ${this.name}: very short watch`));
        return;
      }
      if (status === 200 && !errorEvent) {
        // Timed out, closed by the server, or cut as stalled: resume from where it was.
        this.watch(gen);
        return;
      }
      const why =
        status === 0
          ? (error?.message ?? 'connection failed')
          : (errorEvent ?? statusMessage(status, body));
      // Unreachable or refused: the cache is kept (last known state), and list+watch retried later.
      this.retryWatch(gen, new RequestFailure(status, `watch ${this.name}: ${why}`));
    });
  }

  private retryWatch(gen: number, err: RequestFailure): void {
    const wait = this.backoff.next();
    this.setState('retrying', err.message);
    this.retryTimer = this.clock.setTimer(wait, () => {
      if (gen !== this.generation || this.stopped) return;
      // A server that came back may have compacted past our revision: relisting is always safe
      // and tells the difference between "the server restarted" and "it was only the network".
      void this.relist();
    });
  }
}
